package whatsapp

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestWhatsmeowLoggerAdapter(t *testing.T) {
	var buf bytes.Buffer
	base := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})).With("instance", "sales")

	quiet := WaLogger(base, false).Sub("Client").Sub("Recv")
	quiet.Debugf("stanza %s", "<iq/>")
	quiet.Infof("connected as %s", "5511@s.whatsapp.net")
	quiet.Warnf("slow %d", 3)
	quiet.Errorf("broken: %v", "eof")
	out := buf.String()
	if strings.Contains(out, "stanza") {
		t.Fatalf("debug line passed without WhatsmeowDebug:\n%s", out)
	}
	for _, want := range []string{
		`level=INFO msg="connected as 5511@s.whatsapp.net" instance=sales module=whatsmeow/Client/Recv`,
		`level=WARN msg="slow 3"`,
		`level=ERROR msg="broken: eof"`,
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("missing %q in:\n%s", want, out)
		}
	}

	buf.Reset()
	WaLogger(base, true).Debugf("stanza %s", "<iq/>")
	if !strings.Contains(buf.String(), `level=DEBUG msg="stanza <iq/>"`) {
		t.Fatalf("debug line missing with WhatsmeowDebug:\n%s", buf.String())
	}

	// A handler above debug drops the line before it is formatted.
	buf.Reset()
	info := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	WaLogger(info, true).Debugf("%v", formatPanics{})
	if buf.Len() != 0 {
		t.Fatalf("unexpected output %q", buf.String())
	}
}

type formatPanics struct{}

func (formatPanics) String() string { panic("formatted a dropped line") }
