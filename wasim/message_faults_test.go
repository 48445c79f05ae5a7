package wasim_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"google.golang.org/protobuf/proto"

	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

// TestMessageAckFaults: a "message" fault answers the send's ack with an error code (479 here;
// 463 is covered end to end by e2e TestSendRetriesError463Once) and nothing is relayed; a delay
// holds the ack back and then the message is handled normally.
func TestMessageAckFaults(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _, _ := wasimtest.NewPairedClientRecorded(t, sim, "15550704001")
	pia, _ := sim.RegisterPhone("15550704002", "Pia")

	sim.AddFault(wasim.FaultRule{Phone: "15550704001", Match: "message", Code: 479})
	_, err := cli.SendMessage(testCtx(t), pia, &waE2E.Message{Conversation: proto.String("refused")})
	if !errors.Is(err, whatsmeow.ErrServerReturnedError) || !strings.HasSuffix(err.Error(), " 479") {
		t.Fatalf("send under a 479 fault: %v", err)
	}

	const delay = 300 * time.Millisecond
	sim.AddFault(wasim.FaultRule{Phone: "15550704001", Match: "message", Delay: delay})
	start := time.Now()
	resp, err := cli.SendMessage(testCtx(t), pia, &waE2E.Message{Conversation: proto.String("late but there")})
	if err != nil {
		t.Fatalf("send under a delay fault: %v", err)
	}
	// A lower bound the simulator's sleep guarantees, not a speed measure.
	if waited := time.Since(start); waited < delay {
		t.Fatalf("the ack came after %v, before the %v delay", waited, delay)
	}
	waitInbox(t, sim, "15550704002", func(m wasim.InboxMessage) bool { return m.ID == resp.ID && m.Text == "late but there" })
	msgs, _, _ := sim.Inbox("15550704002")
	for _, m := range msgs {
		if m.Text == "refused" {
			t.Fatal("the message refused with 479 was relayed to the phone")
		}
	}
}

// TestMessageFaultForOneRecipient: a "message" rule with To takes only sends to that user; a
// send to someone else meanwhile goes through and does not use the rule up.
func TestMessageFaultForOneRecipient(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _, _ := wasimtest.NewPairedClientRecorded(t, sim, "15550705001")
	pia, _ := sim.RegisterPhone("15550705002", "Pia")
	rui, _ := sim.RegisterPhone("15550705003", "Rui")

	sim.AddFault(wasim.FaultRule{Phone: "15550705001", Match: "message", To: "15550705003", Code: 479})
	resp, err := cli.SendMessage(testCtx(t), pia, &waE2E.Message{Conversation: proto.String("to Pia")})
	if err != nil {
		t.Fatalf("a send to another recipient took the rule: %v", err)
	}
	waitInbox(t, sim, "15550705002", func(m wasim.InboxMessage) bool { return m.ID == resp.ID })
	_, err = cli.SendMessage(testCtx(t), rui, &waE2E.Message{Conversation: proto.String("to Rui")})
	if !errors.Is(err, whatsmeow.ErrServerReturnedError) || !strings.HasSuffix(err.Error(), " 479") {
		t.Fatalf("the send to the rule's recipient: %v", err)
	}
}
