package event

import (
	"fmt"
	"time"
)

// Kind says what an Event carries.
type Kind uint8

const (
	KindLog     Kind = iota // a line of output: Source, Worker, Text
	KindState               // the app's state changed: State, Text (why)
	KindRequest             // one finished HTTP request: Request
	KindReload              // a reload finished: Reload
	KindWorkers             // a snapshot of the app's workers: Workers
)

// Source says where a log line came from.
type Source uint8

const (
	SourceZoo    Source = iota // zoo-dev's own events
	SourceDeploy               // the deploy script's output
	SourceStdout               // a worker's stdout (print)
	SourceStderr               // a worker's stderr, wsgi.errors, FastCGI STDERR
	SourceAccess               // request lines (KindRequest)
)

var sourceNames = [...]string{"zoo", "deploy", "stdout", "stderr", "access"}

func (s Source) String() string {
	if int(s) < len(sourceNames) {
		return sourceNames[s]
	}
	return fmt.Sprintf("source(%d)", s)
}

// Level grades zoo-dev's own lines.
type Level uint8

const (
	LevelInfo Level = iota
	LevelWarn
	LevelError
)

// State is the app's lifecycle state as the dashboard shows it.
type State uint8

const (
	StateStopped State = iota
	StateDeploying
	StateStarting
	StateRunning
	StateReloading
	StateFailed
)

var stateNames = [...]string{"STOPPED", "DEPLOYING", "STARTING", "RUNNING", "RELOADING", "FAILED"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("STATE(%d)", s)
}

// Site is the App of an event about the whole site (the address, the config's
// warnings): every app's view shows it.
const Site = ""

// Event is one thing that happened to an app. Exactly the fields its Kind names are set.
type Event struct {
	Time   time.Time // when it happened
	App    string    // the app's name, or Site for a message about the whole site
	Kind   Kind
	Source Source // KindLog
	Level  Level  // KindLog from SourceZoo, KindState, KindReload (warning when it failed)
	Worker int    // the worker's pid for worker output and requests; 0 otherwise
	Text   string // the line (no trailing newline), or the reason of a state change
	State  State  // KindState

	Request *RequestInfo // KindRequest
	Reload  *ReloadInfo  // KindReload
	Workers []WorkerInfo // KindWorkers
}

// RequestInfo describes one finished HTTP request.
type RequestInfo struct {
	Method   string
	Path     string // the request URI as the client sent it
	Status   int
	Bytes    int64 // response body bytes written to the client
	Duration time.Duration
	Worker   int // pid of the worker that served it; 0 when zoo-dev answered itself

	// The request inspector's details; zero when the publisher does not know them.
	URL        string              // the full URL: scheme, host and request URI
	Proto      string              // "HTTP/1.1"
	Wait       time.Duration       // waiting for a free worker slot
	FirstByte  time.Duration       // from the start to the response header
	ReqHeader  map[string][]string // the request's headers as received
	RespHeader map[string][]string // the response's headers as sent
	Body       []byte              // the request body when it was at most BodyKeepLimit bytes
	BodyKept   bool                // Body is the whole request body (a replay can resend it)
	Stderr     []string            // the first StderrKeepLimit lines the worker wrote to stderr for this request
}

// BodyKeepLimit is the largest request body kept in RequestInfo for a replay.
const BodyKeepLimit = 16 << 10

// StderrKeepLimit is how many of a request's stderr lines RequestInfo keeps.
const StderrKeepLimit = 100

// ReloadInfo is the timing of one reload.
type ReloadInfo struct {
	Trigger  string        // the file that changed, relative to the app root, or "restart"/"redeploy"
	Debounce time.Duration // from the first change seen to the start of the reload
	Ready    time.Duration // from the start of the reload to the new generation ready
	Total    time.Duration // from the first change seen to new requests served by the new generation
	Gen      int           // the generation now serving
	Spares   int           // workers of the new generation that were spares, libraries preloaded
	Err      string        // non-empty when the new generation failed and the old one kept serving
}

// WorkerInfo is one worker's row in the dashboard.
type WorkerInfo struct {
	PID      int
	Gen      int
	State    string // "ready": the rows are the serving generation's workers
	InFlight int
	Served   int64
	RSS      int64 // resident memory in bytes; 0 when unknown
	Restarts int
}

// Text says in one line what the reload did, e.g.
// "reload: wsgi.py changed, serving new code after 54 ms".
func (r *ReloadInfo) Text() string {
	cause := r.Trigger + " changed"
	if r.Trigger == "restart" || r.Trigger == "redeploy" {
		cause = "after " + r.Trigger
	}
	if r.Err != "" {
		return fmt.Sprintf("reload: %s, new code failed, still serving generation %d: %s", cause, r.Gen, r.Err)
	}
	return fmt.Sprintf("reload: %s, serving new code after %d ms", cause, r.Total.Milliseconds())
}

// Line renders the event as one line of headless output, without the time stamp:
// "[app] " and what happened; a message about the whole site has no app tag.
func (e Event) Line() string {
	return e.tag() + e.body()
}

func (e Event) tag() string {
	if e.App == Site {
		return ""
	}
	return "[" + e.App + "] "
}

func (e Event) body() string {
	switch e.Kind {
	case KindState:
		if e.Text != "" {
			return fmt.Sprintf("state %s: %s", e.State, e.Text)
		}
		return fmt.Sprintf("state %s", e.State)
	case KindRequest:
		r := e.Request
		return fmt.Sprintf("%s %s %d %dB %s pid=%d", r.Method, r.Path, r.Status, r.Bytes,
			r.Duration.Round(10*time.Microsecond), r.Worker)
	case KindReload:
		r := e.Reload
		if r.Err != "" {
			return r.Text()
		}
		return fmt.Sprintf("%s (debounce %d ms, workers ready %d ms, %d from spares, generation %d)",
			r.Text(), r.Debounce.Milliseconds(), r.Ready.Milliseconds(), r.Spares, r.Gen)
	case KindWorkers:
		return fmt.Sprintf("workers: %d", len(e.Workers))
	}
	tag := e.Source.String()
	if e.Worker != 0 {
		tag = fmt.Sprintf("%s %d", tag, e.Worker)
	}
	switch e.Level {
	case LevelWarn:
		tag += " warning"
	case LevelError:
		tag += " error"
	}
	return tag + ": " + e.Text
}
