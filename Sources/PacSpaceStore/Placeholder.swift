enum _PlaceholderPacSpaceStore {}
