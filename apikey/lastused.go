package apikey

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// FlushLastUsed writes the last-use times Authenticate recorded in memory
// since the previous flush, in one store call for all keys. Run calls it
// every WithLastUsedPrecision; call it directly before shutting down, or
// in tests. On an error the times are kept for the next flush.
//
// Errors: the store's.
func (s *Service) FlushLastUsed(ctx context.Context) error {
	s.mu.Lock()
	used := s.unflushed
	s.unflushed = map[uuid.UUID]time.Time{}
	for _, c := range s.cache {
		if u := c.used.Swap(0); u != 0 {
			if t := time.Unix(0, u).UTC(); t.After(used[c.id]) {
				used[c.id] = t
			}
		}
	}
	s.mu.Unlock()
	if len(used) == 0 {
		return nil
	}
	if err := s.store.TouchKeys(ctx, used); err != nil {
		s.mu.Lock()
		for id, t := range used {
			if t.After(s.unflushed[id]) {
				s.unflushed[id] = t
			}
		}
		s.mu.Unlock()
		return err
	}
	return nil
}

// Run writes last-use times every WithLastUsedPrecision until ctx ends,
// then once more (on a context detached from ctx's cancellation, bounded
// by the precision) so that a clean shutdown loses none. Errors of a
// periodic write are retried at the next tick; Run returns the last
// flush's error, or nil.
func (s *Service) Run(ctx context.Context) error {
	t := time.NewTicker(s.precision)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.precision)
			defer cancel()
			return s.FlushLastUsed(final)
		case <-t.C:
			_ = s.FlushLastUsed(ctx) // kept for the next tick
		}
	}
}
