package host

import (
	"io"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"time"
)

// proc is a child process and the processes it starts, grouped by the OS (a tree). One
// goroutine calls cmd.Wait and closes done; stop escalates from a polite request to the
// end of the whole tree against that channel.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error // cmd.Wait's result, valid after done is closed
	// lifeline is the write end of the child's stdin when it reads "stop" there (zoo-dev's
	// worker); stop asks through it instead of the OS, and closes it.
	lifeline *os.File

	mu       sync.Mutex
	tree     tree
	released bool // the leader exited and the tree was released: its ids may be reused
}

// tree is the OS's handle on a child and everything it starts: a process group on Unix,
// a Job object on Windows.
type tree interface {
	// interrupt asks every process of the tree to stop (SIGTERM); false when the OS has no
	// such request (Windows).
	interrupt() bool
	// kill ends every process of the tree now.
	kill()
	// release is called once, after the leader exited: it ends what is left of the tree
	// (children the app started) and frees the OS's handle.
	release()
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

// startProc starts cmd in a tree of its own that dies with zoo-dev, and pumps its stdout
// and stderr line by line into the given functions (nil discards). Each of ends is
// called once both streams are read to the end, before the process counts as done.
func startProc(cmd *exec.Cmd, stdout, stderr func(string), ends ...func()) (*proc, error) {
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
	t, err := newTree(cmd.Process)
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, err
	}
	pr := &proc{cmd: cmd, done: make(chan struct{}), tree: t}
	go func() {
		err := cmd.Wait()
		// Leftovers of the tree (children the app started) end with it, now, while
		// its id cannot have been reused.
		pr.mu.Lock()
		pr.released = true
		pr.tree.release()
		pr.mu.Unlock()
		waitPumps(pumps, reads)
		for _, end := range ends {
			end()
		}
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

// stop asks the process to stop (a "stop" line on its lifeline, else SIGTERM to its tree
// where the OS has it), waits up to grace for the leader to exit, closes the lifeline (EOF:
// zoo-dev's worker exits at once) and ends the whole tree. It returns when the leader has
// exited.
func (p *proc) stop(grace time.Duration) {
	select {
	case <-p.done: // exited, and its tree was ended then
		return
	default:
	}
	if p.ask() {
		t := time.NewTimer(grace)
		select {
		case <-p.done:
		case <-t.C:
		}
		t.Stop()
	}
	if p.lifeline != nil {
		p.lifeline.Close()
	}
	p.mu.Lock()
	if !p.released {
		p.tree.kill()
	}
	p.mu.Unlock()
	<-p.done
}

// ask makes the polite request; false when there is no way to make one.
func (p *proc) ask() bool {
	if p.lifeline != nil {
		if _, err := p.lifeline.Write([]byte("stop\n")); err == nil {
			return true
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.released && p.tree.interrupt()
}
