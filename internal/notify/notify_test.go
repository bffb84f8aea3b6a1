package notify

import "testing"

func TestSignal(t *testing.T) {
	var s Signal
	s.Notify() // nobody waits: nothing to close
	a, b := s.C(), s.C()
	if a != b {
		t.Fatal("two waiters before a Notify got different channels")
	}
	select {
	case <-a:
		t.Fatal("channel closed before Notify")
	default:
	}
	s.Notify()
	<-a
	c := s.C()
	select {
	case <-c:
		t.Fatal("the channel after a Notify is already closed")
	default:
	}
}
