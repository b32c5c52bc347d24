#!/usr/bin/env python3
"""Print the CRC32C (reflected 0x82F63B78) byte table and nibble table used by kernel/src/rvfk_crc32c.c.
Usage: python3 scripts/gen-crc32c-table.py  (compare with the tables in the source; tests check the
check value 0xE3069283 for both builds)."""
def table(bits):
    out = []
    for i in range(1 << bits):
        c = i
        for _ in range(bits):
            c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
        out.append(c)
    return out
for name, bits in (("crc32c_table", 8), ("crc32c_nibble", 4)):
    t = table(bits)
    print(f"static const uint32_t {name}[{len(t)}] = {{")
    for i in range(0, len(t), 6):
        print("    " + ", ".join("0x%08Xu" % x for x in t[i:i + 6]) + ",")
    print("};")
