package groupsim

import (
	"errors"
	"strconv"
	"sync"
	"testing"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

func TestDispatchErrors(t *testing.T) {
	h := newHarness(t, Config{})
	g := h.mkGroup(alice, "G")
	cases := []struct {
		name    string
		xmlns   string
		typ     string
		to      types.JID
		target  types.JID
		content any
	}{
		{"unknown xmlns", "w:frob", "get", g, types.EmptyJID, []waBinary.Node{queryReq()}},
		{"wrong type", "w:g2", "set", g, types.EmptyJID, []waBinary.Node{queryReq()}},
		{"global op on group", "w:g2", "set", g, types.EmptyJID, []waBinary.Node{createReq("x", "k", nil)}},
		{"group op on g.us", "w:g2", "get", types.GroupServerJID, types.EmptyJID, []waBinary.Node{queryReq()}},
		{"no child", "w:g2", "get", g, types.EmptyJID, nil},
		{"two children", "w:g2", "get", g, types.EmptyJID, []waBinary.Node{queryReq(), queryReq()}},
		{"to a user", "w:g2", "get", bob, types.EmptyJID, []waBinary.Node{queryReq()}},
		{"picture without target", "w:profile:picture", "set", types.ServerJID, types.EmptyJID, photoContent(jpeg)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, notes := h.send(alice, tc.xmlns, tc.typ, tc.to, tc.target, tc.content)
			h.wantErr(resp, ErrIQ(400))
			if len(notes) != 0 {
				t.Fatal("notified")
			}
		})
	}
	// A non-iq node still gets an error stanza rather than a panic.
	resp, _ := h.e.HandleIQ(alice, &waBinary.Node{Tag: "message"})
	if resp.Attrs["type"] != "error" {
		t.Fatalf("non-iq answer %s", resp.String())
	}
}

func TestErrorStanzaShape(t *testing.T) {
	h := newHarness(t, Config{})
	resp, _ := h.g2(alice, "get", groupJID("120363999999999999"), queryReq())
	// <iq type="error" id from><error code text/></iq>, code as a decimal string.
	if resp.Attrs["type"] != "error" {
		t.Fatal(resp.String())
	}
	en := resp.GetChildByTag("error")
	if en.Attrs["code"] != "404" || en.Attrs["text"] != "item-not-found" {
		t.Fatalf("error node %s", en.String())
	}
}

func TestNotificationEnvelopes(t *testing.T) {
	h := newHarness(t, Config{})
	ids := map[string]bool{}
	var all []Notification
	collect := func(_ waBinary.Node, notes []Notification) { all = append(all, notes...) }
	collect(h.g2(alice, "set", types.GroupServerJID, createReq("Club", "K", []types.JID{bob}, parentOpt())))
	club := h.e.Groups()[0].JID
	if h.e.Groups()[0].IsDefaultSubGroup {
		club = h.e.Groups()[1].JID
	}
	collect(h.g2(alice, "set", types.GroupServerJID, createReq("Sub", "K", []types.JID{carol}, linkedParentOpt(club))))
	sub := h.e.Groups()
	var subJID types.JID
	for _, v := range sub {
		if v.Name == "Sub" {
			subJID = v.JID
		}
	}
	collect(h.g2(alice, "set", subJID, subjectReq("Sub2")))
	collect(h.g2(alice, "set", subJID, participantsReq("add", dave)))
	collect(h.g2(alice, "set", subJID, inviteReq()))
	collect(h.g2(alice, "set", club, unlinkReq(subJID)))
	collect(h.setPhoto(alice, subJID, jpeg))
	if len(all) < 9 {
		t.Fatalf("only %d notes", len(all))
	}
	for _, n := range all {
		ag := n.Node.AttrGetter()
		from, id, ts, who := ag.JID("from"), ag.String("id"), ag.UnixTime("t"), ag.JID("participant")
		if !ag.OK() || n.Node.Tag != "notification" || from.Server != types.GroupServer || who != alice || !ts.Equal(testNow) {
			t.Fatalf("envelope %s: %v", n.Node.String(), ag.Error())
		}
		if ids[id] {
			t.Fatalf("duplicate notification id %s", id)
		}
		ids[id] = true
		if len(n.To) == 0 {
			t.Fatalf("no audience for %s", n.Node.String())
		}
		for i := 1; i < len(n.To); i++ {
			if n.To[i-1].String() >= n.To[i].String() {
				t.Fatalf("audience not sorted/unique: %v", n.To)
			}
		}
		for _, u := range n.To {
			if u.Server != types.DefaultUserServer || u.Device != 0 {
				t.Fatalf("audience must be non-AD users: %v", n.To)
			}
		}
		if n.Node.Attrs["type"] == "w:gp2" {
			h.event(n) // every w:gp2 must parse
		} else {
			h.picture(n)
		}
	}
}

func TestOnChange(t *testing.T) {
	h := newHarness(t, Config{})
	g := h.mkGroup(alice, "G", bob)
	n := h.changeCount()
	h.g2(alice, "get", g, queryReq())
	h.g2(bob, "set", g, subjectReq("no")) // refused
	h.g2(alice, "set", g, tagReq("unlocked"))
	if h.changeCount() != n {
		t.Fatal("OnChange called without a mutation")
	}
	h.g2(alice, "set", g, subjectReq("yes"))
	if h.changeCount() != n+1 {
		t.Fatal("OnChange not called once after a mutation")
	}
	if _, _, err := h.e.CreateGroup(CreateRequest{Owner: alice, Name: "S"}); err != nil || h.changeCount() != n+2 {
		t.Fatalf("sandbox create: %v", err)
	}
	// The hook runs outside the lock: it may read the engine.
	h.e.SetOnChange(func() { h.e.Groups() })
	h.g2(alice, "set", g, subjectReq("no deadlock"))
}

func TestNilDirectory(t *testing.T) {
	e := NewEngine(nil, Config{})
	v, _, err := e.CreateGroup(CreateRequest{Owner: alice, Name: "G", Participants: []types.JID{ghost}})
	if err != nil || len(v.Participants) != 2 || !v.Participants[1].LID.IsEmpty() {
		t.Fatalf("nil directory: %v %+v", err, v)
	}
}

func TestConcurrentUse(t *testing.T) {
	h := newHarness(t, Config{})
	g := h.mkGroup(alice, "G", bob)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for k := 0; k < 20; k++ {
				req := waBinary.Node{Tag: "iq", Attrs: waBinary.Attrs{"id": strconv.Itoa(i*100 + k), "xmlns": "w:g2", "type": "set", "to": g},
					Content: []waBinary.Node{subjectReq("n" + strconv.Itoa(k))}}
				h.e.HandleIQ(alice, &req)
				h.e.Groups()
				if _, err := h.e.MarshalState(); err != nil {
					t.Error(err)
				}
			}
		}(i)
	}
	wg.Wait()
}

// The core may build nodes in-process, with JIDs as strings.
func TestInProcessStringJIDs(t *testing.T) {
	h := newHarness(t, Config{})
	req := waBinary.Node{Tag: "iq", Attrs: waBinary.Attrs{"id": "x1", "xmlns": "w:g2", "type": "set", "to": "g.us"},
		Content: []waBinary.Node{{Tag: "create", Attrs: waBinary.Attrs{"subject": "G"}, Content: []waBinary.Node{
			{Tag: "participant", Attrs: waBinary.Attrs{"jid": bob.String()}},
		}}}}
	resp, notes := h.e.HandleIQ(alice, &req)
	resp = wire(t, resp)
	info := h.groupInfo(resp)
	if len(info.Participants) != 2 || info.Participants[1].JID != bob || len(notes) != 1 {
		t.Fatalf("string JIDs: %+v", info.Participants)
	}
	leave := waBinary.Node{Tag: "iq", Attrs: waBinary.Attrs{"id": "x2", "xmlns": "w:g2", "type": "set", "to": "g.us"},
		Content: []waBinary.Node{{Tag: "leave", Content: []waBinary.Node{{Tag: "group", Attrs: waBinary.Attrs{"id": info.JID.String()}}}}}}
	if resp, _ := h.e.HandleIQ(bob, &leave); resp.Attrs["type"] != "result" || resp.Attrs["from"] != "g.us" {
		t.Fatalf("leave by string: %s", resp.String())
	}
	// A subject is not a JID even though ParseJID would accept it.
	if _, ok := jidAttr(&waBinary.Node{Attrs: waBinary.Attrs{"jid": "hello"}}, "jid"); ok {
		t.Fatal("plain string taken as JID")
	}
}

func TestErrorValues(t *testing.T) {
	if !errors.Is(&Error{Code: 401, Text: "not-authorized"}, ErrNotAuthorized) || errors.Is(&Error{Code: 401, Text: "x"}, ErrNotAuthorized) {
		t.Fatal("Error.Is must compare code and text")
	}
	if ErrResourceLimit.Error() == "" {
		t.Fatal("empty message")
	}
}
