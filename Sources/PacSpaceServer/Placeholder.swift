enum _PlaceholderPacSpaceServer {}
