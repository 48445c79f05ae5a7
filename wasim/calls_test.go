package wasim_test

import (
	"testing"

	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

func TestPhoneCallsReachInstance(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _, rec := wasimtest.NewPairedClientRecorded(t, sim, "15550901001")
	sim.RegisterPhone("15550901002", "Ray")
	alice := types.NewJID("15550901001", types.DefaultUserServer)
	callID, err := sim.PhoneCall("15550901002", alice, "offer", "")
	if err != nil {
		t.Fatal(err)
	}
	offer := wasimtest.WaitFor[*events.CallOffer](t, rec)
	if offer.CallID != callID || offer.CallCreator.User != "15550901002" || offer.From.User != "15550901002" {
		t.Fatalf("offer %+v", offer.BasicCallMeta)
	}
	// The client rejects: the phone sees the reject.
	if err := cli.RejectCall(testCtx(t), offer.From, callID); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the phone got the reject", func() bool {
		calls, _ := sim.Calls("15550901002")
		return len(calls) == 1 && calls[0].CallID == callID && calls[0].Action == "reject"
	})
	if _, err := sim.PhoneCall("15550901002", alice, "terminate", callID); err != nil {
		t.Fatal(err)
	}
	end := wasimtest.WaitFor[*events.CallTerminate](t, rec)
	if end.CallID != callID {
		t.Fatalf("terminate %+v", end.BasicCallMeta)
	}
}
