package media

import (
	"bytes"
	"context"
	"io"
	"os/exec"

	"github.com/switchboard/switchboard"
)

// ErrNoFFmpeg explains why a voice note in another format cannot be sent.
var ErrNoFFmpeg = &switchboard.Error{Code: switchboard.CodeInvalid,
	Message: "voice notes must be OGG/Opus; install ffmpeg on the server to convert other audio, or send isVoice: false"}

// VoiceNote returns audio as OGG/Opus, the only format WhatsApp plays as a voice note: att
// itself when it already is, else a new attachment converted by ffmpeg (streamed from att into
// ffmpeg and from ffmpeg into a temporary file) when ffmpeg is on the PATH, else ErrNoFFmpeg.
// The caller closes both.
func VoiceNote(ctx context.Context, att *Attachment) (*Attachment, error) {
	if IsOpus(att.Head()) {
		return att, nil
	}
	path, err := exec.LookPath("ffmpeg")
	if err != nil {
		return nil, ErrNoFFmpeg
	}
	in, err := att.Reader()
	if err != nil {
		return nil, err
	}
	var stderr bytes.Buffer
	out, err := spool(func(w io.Writer) error {
		cmd := exec.CommandContext(ctx, path, "-hide_banner", "-loglevel", "error", "-i", "pipe:0",
			"-vn", "-ac", "1", "-ar", "48000", "-c:a", "libopus", "-b:a", "32k", "-f", "ogg", "pipe:1")
		cmd.Stdin, cmd.Stdout, cmd.Stderr = in, w, &stderr
		return cmd.Run()
	})
	if err != nil || out.Size() == 0 || !IsOpus(out.Head()) {
		_ = out.Close()
		return nil, &switchboard.Error{Code: switchboard.CodeInvalid, Message: "the audio could not be converted to a voice note (OGG/Opus)", Err: err}
	}
	return out, nil
}
