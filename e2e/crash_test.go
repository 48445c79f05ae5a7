package e2e

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

// createsPerRound concurrent POST /api/instance/new run when the kill lands.
const createsPerRound = 10

// TestCrashDuringCreate kills the gateway with SIGKILL while ten instance creations are in
// flight. After each restart: the database is intact; every creation that was answered 201
// exists exactly once and its token works; no name exists twice; and a creation that got no
// answer either happened (a retry gets 409) or did not (a retry gets 201), never a 500.
func TestCrashDuringCreate(t *testing.T) {
	rounds, rng := crashPlan(t, 3) // keeps the default run, build included, well under a minute
	sim := wasimtest.NewServer(t, wasim.Config{RootKey: wasimtest.SharedRoot()})
	g := newGateway(t, sim.URL())
	acc := g.createAccount("crash-create")
	g.start()

	accepted := map[string]string{} // every name answered 201 so far → its instance token
	var sent []string               // every name ever sent, each once
	for round := range rounds {
		names := make([]string, createsPerRound)
		delays := make([]time.Duration, createsPerRound)
		for i := range names {
			names[i] = fmt.Sprintf("c%d-%d", round, i)
			// Spread the starts so that the kill finds some creations answered, some in the
			// handler and some not yet sent.
			delays[i] = randDuration(rng, 20*time.Millisecond)
		}
		sent = append(sent, names...)
		killAfterAnswers := rng.IntN(createsPerRound)
		killDelay := randDuration(rng, 3*time.Millisecond)

		answers := make([]answer, createsPerRound)
		answered := make(chan struct{}, createsPerRound)
		var wg sync.WaitGroup
		for i := range names {
			wg.Go(func() {
				time.Sleep(delays[i])
				answers[i] = g.call(context.Background(), "POST", "/api/instance/new", acc, map[string]any{"name": names[i]})
				answered <- struct{}{}
			})
		}
		for range killAfterAnswers {
			<-answered
		}
		time.Sleep(killDelay)
		g.kill()
		wg.Wait()

		var unanswered []string
		for i, a := range answers {
			switch {
			case a.err != nil:
				unanswered = append(unanswered, names[i])
			case a.status == http.StatusCreated && a.str("instance.token") != "":
				accepted[names[i]] = a.str("instance.token")
			default:
				t.Fatalf("round %d: create %s answered before the kill with %v, want 201", round, names[i], a)
			}
		}
		t.Logf("round %d: SIGKILL after %d answers (+%v): %d created, %d without an answer",
			round, killAfterAnswers, killDelay, createsPerRound-len(unanswered), len(unanswered))

		checkIntegrity(t, g.dbPath)
		g.start()

		existing := listNames(t, g, acc)
		for name, n := range existing {
			if n != 1 {
				t.Fatalf("round %d: instance %s exists %d times", round, name, n)
			}
		}
		for name, token := range accepted {
			if existing[name] != 1 {
				t.Fatalf("round %d: instance %s was answered 201 but is gone after the restart", round, name)
			}
			checkInstanceToken(t, g, name, token)
		}
		for _, name := range unanswered {
			retry := g.must("POST", "/api/instance/new", acc, map[string]any{"name": name})
			switch {
			case existing[name] == 1 && retry.status == http.StatusConflict && retry.str("error.message") == "Instance name already exists":
				// Created before the kill; only the answer was lost.
			case existing[name] == 0 && retry.status == http.StatusCreated:
				accepted[name] = retry.str("instance.token")
				checkInstanceToken(t, g, name, accepted[name])
			default:
				t.Fatalf("round %d: retry of unanswered create %s (listed %d times) answered %v; want 409 if it exists, 201 if not",
					round, name, existing[name], retry)
			}
		}

		// Every name sent is now there exactly once, and nothing else is.
		existing = listNames(t, g, acc)
		if len(existing) != len(sent) {
			t.Fatalf("round %d: %d instances listed, %d names sent", round, len(existing), len(sent))
		}
		for _, name := range sent {
			if existing[name] != 1 {
				t.Fatalf("round %d: after the retries %s is listed %d times, want 1", round, name, existing[name])
			}
		}
	}
}

// listNames counts the account's instances by name.
func listNames(t *testing.T, g *gateway, account string) map[string]int {
	t.Helper()
	list := g.must("GET", "/api/instance/list", account, nil)
	if list.status != http.StatusOK {
		t.Fatalf("list after restart: %v", list)
	}
	counts := map[string]int{}
	for i := range list.body.List("instances") {
		counts[list.str(fmt.Sprintf("instances.%d.name", i))]++
	}
	return counts
}

// checkInstanceToken: the token of an instance reaches that instance, and only it.
func checkInstanceToken(t *testing.T, g *gateway, name, token string) {
	t.Helper()
	own := g.must("GET", "/api/instance/list", token, nil)
	if own.status != http.StatusOK || len(own.body.List("instances")) != 1 || own.str("instances.0.name") != name {
		t.Fatalf("token of %s after the restart: %v", name, own)
	}
}
