package switchboard

import "testing"

func TestParseJID(t *testing.T) {
	good := map[string]JID{
		"5511999999999@s.whatsapp.net":    {User: "5511999999999", Server: ServerUser},
		"5511999999999:12@s.whatsapp.net": {User: "5511999999999", Server: ServerUser, Device: 12},
		"120363406289005073@g.us":         {User: "120363406289005073", Server: ServerGroup},
		"5511999999999-1600000000@g.us":   {User: "5511999999999-1600000000", Server: ServerGroup},
		"199789077627112@lid":             {User: "199789077627112", Server: ServerLID},
		" 120363406289005073@g.us ":       {User: "120363406289005073", Server: ServerGroup},
	}
	for in, want := range good {
		got, err := ParseJID(in)
		if err != nil || got != want {
			t.Errorf("ParseJID(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	bad := []string{"", "@g.us", "123", "123@", "123@example.com", "1@2@g.us", "12a@g.us",
		"1:2@g.us", "1:0@s.whatsapp.net", "1:100@s.whatsapp.net", "-1@g.us", "1-@g.us", "1-2@s.whatsapp.net"}
	for _, in := range bad {
		if j, err := ParseJID(in); err == nil {
			t.Errorf("ParseJID(%q) = %v, want error", in, j)
		}
	}
}

func TestNormalizeGroupJID(t *testing.T) {
	for in, want := range map[string]string{
		"120363406289005073":      "120363406289005073@g.us",
		"120363406289005073@g.us": "120363406289005073@g.us",
	} {
		got, err := NormalizeGroupJID(in)
		if err != nil || got.String() != want {
			t.Errorf("NormalizeGroupJID(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "abc", "5511999999999@s.whatsapp.net", "1@lid"} {
		if _, err := NormalizeGroupJID(in); err == nil {
			t.Errorf("NormalizeGroupJID(%q) accepted", in)
		}
	}
}

func TestNormalizeUserJID(t *testing.T) {
	for in, want := range map[string]string{
		"+55 (11) 99999-9999":            "5511999999999@s.whatsapp.net",
		"5511999999999@s.whatsapp.net":   "5511999999999@s.whatsapp.net",
		"5511999999999:3@s.whatsapp.net": "5511999999999@s.whatsapp.net",
		"199789077627112@lid":            "199789077627112@lid",
	} {
		got, err := NormalizeUserJID(in)
		if err != nil || got.String() != want {
			t.Errorf("NormalizeUserJID(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "12", "abc", "1@g.us", "5511x99"} {
		if _, err := NormalizeUserJID(in); err == nil {
			t.Errorf("NormalizeUserJID(%q) accepted", in)
		}
	}
}

func FuzzParseJID(f *testing.F) {
	for _, s := range []string{"5511999999999@s.whatsapp.net", "1:2@s.whatsapp.net", "120363406289005073@g.us", "1-2@g.us", "x@lid", "@", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		j, err := ParseJID(s)
		if err != nil {
			return
		}
		// A parsed JID formats back to a string that parses to the same JID.
		again, err := ParseJID(j.String())
		if err != nil || again != j {
			t.Fatalf("round trip of %q: %v -> %q -> %v, %v", s, j, j.String(), again, err)
		}
		if j.Device > 99 {
			t.Fatalf("device %d accepted", j.Device)
		}
	})
}
