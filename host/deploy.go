package host

import (
	"context"
	"fmt"
	"os/exec"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// deployer runs an app's DEPLOY_FILE with the app's interpreter, environment and
// working folder, line by line into the event stream, the log files and an Output.
type deployer struct {
	app  *appSpec
	emit func(event.Source, event.Level, int, string)
}

// run executes the deploy script once. It returns an error when the script could not
// start or exited with a status other than 0; out holds the output either way.
func (d *deployer) run(ctx context.Context, out *Output) error {
	a := d.app.cfg
	cmd := exec.Command(deployPython(d.app), "-u", a.DeployFile) // hook: custom engines have no a.Python
	cmd.Dir = a.Root
	cmd.Env = d.app.env
	line := func(s string) {
		out.add(s)
		d.emit(event.SourceDeploy, event.LevelInfo, 0, s)
	}
	start := time.Now() // the DEPLOYING state change has said what runs
	p, err := startProc(cmd, line, line)
	if err != nil {
		out.finish(-1)
		return fmt.Errorf("run DEPLOY_FILE %s: %w", a.DeployFile, err)
	}
	select {
	case <-p.done:
	case <-ctx.Done():
		p.stop(stopGrace)
		out.finish(-1)
		return ctx.Err()
	}
	code := p.exitCode()
	out.finish(code)
	if code != 0 {
		return fmt.Errorf("DEPLOY_FILE %s exited with status %d", d.app.rel(a.DeployFile), code)
	}
	d.emit(event.SourceZoo, event.LevelInfo, 0, fmt.Sprintf("deploy: done in %d ms", time.Since(start).Milliseconds()))
	return nil
}
