//go:build race

package e2e

// raceDetector is true in a -race build. A few tests drop WhatsApp connections while requests are
// in flight; whatsmeow then waits for the reconnect in retryFrame → WaitForConnection →
// go.mau.fi/util/exsync.(*Event).GetChan, which writes a field while holding only a read lock,
// so two interrupted requests make the race detector fail the test for a race in a dependency
// (util v0.9.10 and v0.11.1 alike); and whatsmeow's own socket teardown, FrameSocket.Close
// against NoiseSocket.Stop, races when a dropped connection is closed. Those tests run without
// -race in .ci/run's second step.
const raceDetector = true
