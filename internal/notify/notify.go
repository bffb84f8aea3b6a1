// Package notify wakes every waiter at once, the way a closed channel does: a
// Signal hands out a channel, and the next Notify closes it.
package notify

// Signal announces a change to whoever waits on its channel. The zero value is
// ready to use. It has no lock of its own: guard it with the lock that guards the
// state it announces, so a waiter reads the state and takes the channel at once.
type Signal struct{ c chan struct{} }

// C returns the channel the next Notify closes.
func (s *Signal) C() <-chan struct{} {
	if s.c == nil {
		s.c = make(chan struct{})
	}
	return s.c
}

// Notify wakes everyone waiting on a channel from C.
func (s *Signal) Notify() {
	if s.c != nil {
		close(s.c)
		s.c = nil
	}
}
