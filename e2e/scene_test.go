package e2e

import (
	"testing"

	"github.com/switchboard/switchboard/app"
	"github.com/switchboard/switchboard/app/apptest"
	"github.com/switchboard/switchboard/internal/testkit"
)

// scene is where most end-to-end tests start: a sandbox gateway with one account and one of its
// instances paired to a simulated phone. The module scenes (messageScene, groupScene) embed it and
// add the calls of their routes.
type scene struct {
	t        *testing.T
	e        *apptest.Env
	acc      string // the account token
	instance string // the paired instance's name
	phone    string // the paired instance's own phone number
}

func startScene(t *testing.T, dsn, account, instance string, configure ...func(*app.Config)) *scene {
	t.Helper()
	e := apptest.Start(t, dsn, configure...)
	s := &scene{t: t, e: e, acc: e.Account(account), instance: instance}
	e.Instance(s.acc, instance)
	s.phone = e.Pair(s.acc, instance, "")
	return s
}

// user registers a simulated WhatsApp user (a phone with no gateway behind it) and returns its
// number.
func (s *scene) user(name string) string {
	s.t.Helper()
	jid, err := s.e.App.Sim().RegisterPhone("", name)
	if err != nil {
		s.t.Fatalf("register %s: %v", name, err)
	}
	return jid.User
}

// pairInstance creates and pairs another instance of the account and returns its phone number.
func (s *scene) pairInstance(name string) string {
	s.t.Helper()
	s.e.Instance(s.acc, name)
	return s.e.Pair(s.acc, name, "")
}

// waitFor polls ok until it holds, or fails the test naming what it waited for.
func (s *scene) waitFor(what string, ok func() bool) {
	s.t.Helper()
	testkit.Eventually(s.t, apptest.Timeout, what, ok)
}

// waitUntil is waitFor for tests without a scene.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testkit.Eventually(t, apptest.Timeout, what, cond)
}
