package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// baselineProc is the parent's side of a baseline child (see baseline_child.go).
type baselineProc struct {
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	lines   chan string
	abandon chan struct{} // closed when the parent stops reading: later lines are dropped
	exited  chan struct{}
	waitErr error
	started time.Time
}

// startBaseline runs this binary as a baseline child in mode with the given flags.
func (e *benchEnv) startBaseline(mode string, args ...string) (*baselineProc, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, append([]string{"-baseline-child", mode, "-child-sim", e.sim.URL()}, args...)...)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = childProcAttr()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p := &baselineProc{cmd: cmd, stdin: stdin, lines: make(chan string, 1024), abandon: make(chan struct{}), exited: make(chan struct{}), started: time.Now()}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			select {
			case p.lines <- sc.Text():
			case <-p.abandon:
			}
		}
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

func (p *baselineProc) pid() int { return p.cmd.Process.Pid }

// next is the child's next line.
func (p *baselineProc) next(ctx context.Context) (string, error) {
	select {
	case line := <-p.lines:
		return line, nil
	case <-p.exited:
		select {
		case line := <-p.lines: // a last line written just before the exit
			return line, nil
		default:
		}
		return "", fmt.Errorf("the baseline child exited: %v", p.waitErr)
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// expect reads the next line and requires it to start with word.
func (p *baselineProc) expect(ctx context.Context, word string) (string, error) {
	line, err := p.next(ctx)
	if err != nil {
		return "", err
	}
	if line != word && !strings.HasPrefix(line, word+" ") {
		return "", fmt.Errorf("the baseline child said %q, want %q", line, word)
	}
	return line, nil
}

func (p *baselineProc) send(line string) error {
	_, err := io.WriteString(p.stdin, line+"\n")
	return err
}

// finish closes stdin, which ends the child, and waits for it.
func (p *baselineProc) finish() error {
	p.stopReading()
	_ = p.stdin.Close()
	select {
	case <-p.exited:
	case <-time.After(2 * time.Minute):
		_ = p.cmd.Process.Kill()
		<-p.exited
		return errors.New("the baseline child did not exit within 2 minutes")
	}
	if p.waitErr != nil {
		return fmt.Errorf("the baseline child failed: %w", p.waitErr)
	}
	return nil
}

// kill ends the child at once (cleanup after a failure).
func (p *baselineProc) kill() {
	p.stopReading()
	select {
	case <-p.exited:
	default:
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// stopReading lets the child's output drain without a reader, so the child can always exit.
func (p *baselineProc) stopReading() {
	select {
	case <-p.abandon:
	default:
		close(p.abandon)
	}
}
