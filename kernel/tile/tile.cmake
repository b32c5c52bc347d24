# filled by the tile build
