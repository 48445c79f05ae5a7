package wasim

// PhonePreKeys reports a phone's one-time prekeys: how many it still holds unused and how many
// it ever minted (for the external tests).
func PhonePreKeys(s *Server, number string) (left int, minted int) {
	p, err := s.phoneFor(number)
	if err != nil {
		return 0, 0
	}
	p.st.mu.Lock()
	defer p.st.mu.Unlock()
	return len(p.st.PreKeys), int(p.st.NextPreKeyID) - 1
}
