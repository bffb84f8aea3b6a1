package host

import (
	"os"
	"os/exec"
	"testing"

	"github.com/zoo-dev/zoo-dev/config"
)

// loadFront reports a fixed load.
type loadFront struct {
	fakeFront
	load map[int]Load
}

func (f *loadFront) Load(string) map[int]Load { return f.load }

func fakeWorker(pid int) *worker {
	return &worker{proc: &proc{cmd: &exec.Cmd{Process: &os.Process{Pid: pid}}}}
}

func TestAutoscalerVerdicts(t *testing.T) {
	cases := []struct {
		name  string
		want  int            // current wanted workers
		loads []map[int]Load // one per tick, workers 11 and 12
		ask   []int
	}{
		{"saturated twice adds one", 2,
			[]map[int]Load{{11: {InFlight: 2}, 12: {InFlight: 2}}, {11: {InFlight: 2}, 12: {InFlight: 2, Served: 5}}},
			[]int{0, +1}},
		{"saturated once is not enough", 2,
			[]map[int]Load{{11: {InFlight: 2}, 12: {InFlight: 2}}, {11: {InFlight: 1}, 12: {InFlight: 2}}},
			[]int{0, 0}},
		{"at max stays", 3,
			[]map[int]Load{{11: {InFlight: 2}, 12: {InFlight: 2}}, {11: {InFlight: 2}, 12: {InFlight: 2}}},
			[]int{0, 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			front := &loadFront{}
			a := &app{spec: &appSpec{cfg: &config.App{Threads: 2, MinWorkers: 1, MaxWorkers: 3}},
				front: front, want: c.want, serving: &generation{workers: []*worker{fakeWorker(11), fakeWorker(12)}}}
			s := &autoscaler{on: true}
			for i, l := range c.loads {
				front.load = l
				if got := s.tick(a); got != c.ask[i] {
					t.Fatalf("tick %d asked %+d, want %+d", i, got, c.ask[i])
				}
			}
		})
	}
}

func TestAutoscalerRemovesAfterIdleMinute(t *testing.T) {
	front := &loadFront{load: map[int]Load{11: {Served: 7}, 12: {Served: 3}}}
	a := &app{spec: &appSpec{cfg: &config.App{Threads: 2, MinWorkers: 1, MaxWorkers: 3}},
		front: front, want: 2, serving: &generation{workers: []*worker{fakeWorker(11), fakeWorker(12)}}}
	s := &autoscaler{on: true}
	got := 0
	for i := 0; i < idleTicks+1 && got == 0; i++ {
		got = s.tick(a)
	}
	if got != -1 {
		t.Fatalf("after %d idle ticks asked %+d, want -1", idleTicks+1, got)
	}
	a.want = 1
	for i := 0; i < 2*idleTicks; i++ {
		if s.tick(a) != 0 {
			t.Fatal("scaled below min_workers")
		}
	}
}
