package watch

// openFileLimit: Windows has no such limit that a watcher could reach.
func openFileLimit() int { return 1 << 20 }
