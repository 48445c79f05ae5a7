package wasim

// UserProfile is what WhatsApp holds of one simulated user's own profile: the ground truth a
// test compares with what a client set.
type UserProfile struct {
	PushName  string
	About     string
	PictureID string
	// Privacy is every privacy category's value, defaults included.
	Privacy map[string]string
}

// Profile returns a simulated user's profile as the server holds it.
func (s *Server) Profile(number string) (UserProfile, error) {
	number = digitsOnly(number)
	s.mu.Lock()
	acc := s.accounts[number]
	if acc == nil {
		s.mu.Unlock()
		return UserProfile{}, ErrUnknownPhone
	}
	p := UserProfile{PushName: acc.PushName, About: acc.About, PictureID: acc.PictureID, Privacy: map[string]string{}}
	for name, value := range defaultPrivacy {
		p.Privacy[name] = value
	}
	for name, value := range acc.Privacy {
		p.Privacy[name] = value
	}
	s.mu.Unlock()
	return p, nil
}

// setPushName takes the name a companion announces in its presence stanzas (whatsmeow
// presence.go SendPresence sends name=Store.PushName): the name the server then stamps on the
// account's messages (notify=).
func (s *Server) setPushName(number, name string) {
	s.mu.Lock()
	acc := s.accounts[number]
	changed := acc != nil && acc.PushName != name
	if changed {
		acc.PushName = name
	}
	s.mu.Unlock()
	if changed {
		s.saveAccount(number)
	}
}
