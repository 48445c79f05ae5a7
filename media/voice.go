package media

import (
	"bytes"
	"context"
	"os/exec"

	"github.com/switchboard/switchboard"
)

// ErrNoFFmpeg explains why a voice note in another format cannot be sent.
var ErrNoFFmpeg = &switchboard.Error{Code: switchboard.CodeInvalid,
	Message: "voice notes must be OGG/Opus; install ffmpeg on the server to convert other audio, or send isVoice: false"}

// VoiceNote returns audio as OGG/Opus, the only format WhatsApp plays as a voice note: as is
// when it already is, else converted by ffmpeg (pipes only, no temp files) when it is on the
// PATH, else ErrNoFFmpeg.
func VoiceNote(ctx context.Context, data []byte) ([]byte, error) {
	if IsOpus(data) {
		return data, nil
	}
	path, err := exec.LookPath("ffmpeg")
	if err != nil {
		return nil, ErrNoFFmpeg
	}
	cmd := exec.CommandContext(ctx, path, "-hide_banner", "-loglevel", "error", "-i", "pipe:0",
		"-vn", "-ac", "1", "-ar", "48000", "-c:a", "libopus", "-b:a", "32k", "-f", "ogg", "pipe:1")
	cmd.Stdin = bytes.NewReader(data)
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil || out.Len() == 0 {
		return nil, &switchboard.Error{Code: switchboard.CodeInvalid, Message: "the audio could not be converted to a voice note (OGG/Opus)", Err: err}
	}
	return out.Bytes(), nil
}
