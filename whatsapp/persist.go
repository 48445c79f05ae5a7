package whatsapp

import (
	"context"
	"time"
)

// rowWriteTimeout bounds one SetSession write. Writes run after the request or event that caused
// them, so they get their own deadline.
const rowWriteTimeout = 10 * time.Second

// Session-row writes of one instance go through a queue drained by at most one goroutine: event
// handlers must not wait for the database, yet the writes must land in the order the events
// happened (a pairing followed by a logout must not end as "paired").

// persistAsync queues a write of the instance row's session columns.
func (m *Manager) persistAsync(s *session, row rowState) <-chan error {
	w := rowWrite{row: row, done: make(chan error, 1)}
	s.wmu.Lock()
	s.writes = append(s.writes, w)
	start := !s.writing
	s.writing = true
	s.wmu.Unlock()
	if start && !m.goTracked(func() { m.drainWrites(s) }) {
		// Close is waiting for background work: finish the queue here rather than lose it.
		m.drainWrites(s)
	}
	return w.done
}

// persist queues a write and waits for it (and every write queued before it).
func (m *Manager) persist(ctx context.Context, s *session, row rowState) error {
	s.mu.Lock()
	s.row = row
	s.mu.Unlock()
	select {
	case err := <-m.persistAsync(s, row):
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (m *Manager) drainWrites(s *session) {
	for {
		s.wmu.Lock()
		if len(s.writes) == 0 {
			s.writing = false
			s.wmu.Unlock()
			return
		}
		w := s.writes[0]
		s.writes = s.writes[1:]
		s.wmu.Unlock()

		// Not m.ctx: Close cancels it, and the writes queued by the last events must still land.
		ctx, cancel := context.WithTimeout(context.Background(), rowWriteTimeout)
		err := m.instances.SetSession(ctx, s.id, w.row.deviceJID, w.row.autoConnect, w.row.loggedOut)
		cancel()
		if err != nil {
			s.log.Error("saving the session state failed", "err", err, "device", w.row.deviceJID,
				"auto_connect", w.row.autoConnect, "logged_out", w.row.loggedOut)
		}
		w.done <- err
	}
}
