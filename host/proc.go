package host

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"time"
)

// proc is a child process in its own process group. One goroutine calls cmd.Wait
// and closes done; stop escalates from SIGTERM to SIGKILL against that channel.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error // cmd.Wait's result, valid after done is closed
}

// spawner starts children from one goroutine locked to its OS thread for the life of
// the process: Linux's parent-death signal fires when the *thread* that forked the
// child exits, so no other thread may start them.
type spawner struct{ reqs chan spawnReq }

type spawnReq struct {
	cmd   *exec.Cmd
	reply chan error
}

var theSpawner = newSpawner()

func newSpawner() *spawner {
	s := &spawner{reqs: make(chan spawnReq)}
	go func() {
		runtime.LockOSThread() // never unlocked: this thread lives as long as zoo-dev
		for r := range s.reqs {
			r.reply <- r.cmd.Start()
		}
	}()
	return s
}

// startProc starts cmd in a new process group that dies with zoo-dev, and pumps its
// stdout and stderr line by line into the given functions (nil discards).
func startProc(cmd *exec.Cmd, stdout, stderr func(string)) (*proc, error) {
	cmd.SysProcAttr = procAttr()
	var pumps []chan struct{}
	var reads []*os.File
	for _, p := range []struct {
		set  func(io.Writer)
		line func(string)
	}{{func(w io.Writer) { cmd.Stdout = w }, stdout}, {func(w io.Writer) { cmd.Stderr = w }, stderr}} {
		if p.line == nil {
			continue
		}
		r, w, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		p.set(w)
		defer w.Close() // the child holds its own copy after Start
		done := make(chan struct{})
		pumps = append(pumps, done)
		reads = append(reads, r)
		go pumpLines(r, p.line, done)
	}
	reply := make(chan error, 1)
	theSpawner.reqs <- spawnReq{cmd, reply}
	if err := <-reply; err != nil {
		return nil, err
	}
	pr := &proc{cmd: cmd, done: make(chan struct{})}
	go func() {
		err := cmd.Wait()
		// Leftovers of the group (children the app started) end with it, now,
		// while the group id cannot have been reused.
		killGroup(cmd.Process.Pid, syscall.SIGKILL)
		waitPumps(pumps, reads)
		pr.err = err
		close(pr.done)
	}()
	return pr, nil
}

// pumpGrace bounds how long the output of an exited process is still read: a
// process that left the group may hold the pipes open.
const pumpGrace = time.Second

// waitPumps waits until every line of output is delivered, or pumpGrace passes and
// the pipes are closed.
func waitPumps(pumps []chan struct{}, reads []*os.File) {
	t := time.NewTimer(pumpGrace)
	defer t.Stop()
	for _, d := range pumps {
		select {
		case <-d:
		case <-t.C:
			for _, r := range reads {
				r.Close()
			}
			<-d
		}
	}
}

// pumpLines calls line for each line of r (without the newline, cleaned) until EOF.
func pumpLines(r *os.File, line func(string), done chan struct{}) {
	defer close(done)
	defer r.Close()
	readLines(r, line)
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

// exitCode is the child's exit status, -1 when it died by a signal.
func (p *proc) exitCode() int { return p.cmd.ProcessState.ExitCode() }

// stop sends SIGTERM to the process group, waits up to grace for the leader to
// exit, then sends SIGKILL to the group. It returns when the leader has exited.
func (p *proc) stop(grace time.Duration) {
	select {
	case <-p.done: // exited, and its group was ended then: its pid may be another's now
		return
	default:
	}
	killGroup(p.pid(), syscall.SIGTERM)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
	}
	killGroup(p.pid(), syscall.SIGKILL)
	<-p.done
}

func killGroup(pid int, sig syscall.Signal) {
	if err := syscall.Kill(-pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		syscall.Kill(pid, sig)
	}
}
