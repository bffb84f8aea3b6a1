package event

import (
	"sync"
	"time"
)

// Bus fans events out to subscribers. Publish never blocks: each subscriber has a
// bounded ring, and when a slow reader lets it fill, its oldest events are dropped
// and counted. So a slow dashboard never slows the proxy.
type Bus struct {
	mu   sync.Mutex
	subs map[*Sub]struct{}
}

// NewBus returns a bus with no subscribers.
func NewBus() *Bus { return &Bus{subs: make(map[*Sub]struct{})} }

// Publish stamps e with a time when it has none and hands it to every subscriber.
func (b *Bus) Publish(e Event) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	b.mu.Lock()
	for s := range b.subs {
		s.push(e)
	}
	b.mu.Unlock()
}

// Subscribe returns a reader that keeps at most size undelivered events.
func (b *Bus) Subscribe(size int) *Sub {
	if size < 1 {
		size = 1
	}
	s := &Sub{bus: b, ring: make([]Event, size), ready: make(chan struct{}, 1)}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	return s
}

// Sub is one subscriber's bounded queue of events.
type Sub struct {
	bus     *Bus
	mu      sync.Mutex
	ring    []Event
	head    int // index of the oldest event
	n       int // events held
	dropped uint64
	ready   chan struct{}
}

func (s *Sub) push(e Event) {
	s.mu.Lock()
	if s.n == len(s.ring) {
		s.head = (s.head + 1) % len(s.ring)
		s.n--
		s.dropped++
	}
	s.ring[(s.head+s.n)%len(s.ring)] = e
	s.n++
	s.mu.Unlock()
	select {
	case s.ready <- struct{}{}:
	default:
	}
}

// Ready has a value whenever events may be waiting; it is never closed.
func (s *Sub) Ready() <-chan struct{} { return s.ready }

// Drain appends the waiting events to buf in order and returns it, with the number
// of events dropped since the last Drain.
func (s *Sub) Drain(buf []Event) ([]Event, uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 0; i < s.n; i++ {
		j := (s.head + i) % len(s.ring)
		buf = append(buf, s.ring[j])
		s.ring[j] = Event{}
	}
	s.head, s.n = 0, 0
	d := s.dropped
	s.dropped = 0
	return buf, d
}

// Close stops delivery to s.
func (s *Sub) Close() {
	s.bus.mu.Lock()
	delete(s.bus.subs, s)
	s.bus.mu.Unlock()
}
