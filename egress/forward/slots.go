package forward

import "sync"

// Slots bounds concurrent tunnels, in all and per client. The zero value
// allows nothing; use NewSlots. Safe for concurrent use.
type Slots struct {
	max, perClient int

	mu     sync.Mutex
	total  int
	client map[string]int
}

// NewSlots returns a limit of max tunnels in all and perClient per client;
// zero or less means no limit of that kind.
func NewSlots(max, perClient int) *Slots {
	return &Slots{max: max, perClient: perClient, client: map[string]int{}}
}

// Acquire takes a slot for client. It returns false, and which limit was
// reached ("max_tunnels" or "max_tunnels_per_client"), when none is free.
// Each successful Acquire must be matched by one Release.
func (s *Slots) Acquire(client string) (ok bool, limit string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.max > 0 && s.total >= s.max {
		return false, "max_tunnels"
	}
	if s.perClient > 0 && s.client[client] >= s.perClient {
		return false, "max_tunnels_per_client"
	}
	s.total++
	s.client[client]++
	return true, ""
}

// Release returns client's slot.
func (s *Slots) Release(client string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.total--
	if n := s.client[client] - 1; n > 0 {
		s.client[client] = n
	} else {
		delete(s.client, client)
	}
}

// InUse returns the number of slots taken.
func (s *Slots) InUse() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}
