package host

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// procAttr starts the child in a new console process group, so the Ctrl+C typed at
// zoo-dev reaches zoo-dev alone: zoo-dev then stops its children through their lifelines.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{CreationFlags: windows.CREATE_NEW_PROCESS_GROUP}
}

// job is a Job object that holds the child and every process it starts. It is made to kill
// them all when its last handle closes, so they die with zoo-dev even when zoo-dev is killed.
type job struct{ h windows.Handle }

// newTree puts the started child in a new job. The child is assigned right after it starts,
// while its interpreter is still starting up: long before the app can start anything.
func newTree(p *os.Process) (tree, error) {
	h, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return nil, fmt.Errorf("create a job object: %w", err)
	}
	info := windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION{}
	info.BasicLimitInformation.LimitFlags = windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
	if _, err := windows.SetInformationJobObject(h, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		windows.CloseHandle(h)
		return nil, fmt.Errorf("set up a job object: %w", err)
	}
	ph, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, uint32(p.Pid))
	if err == nil {
		err = windows.AssignProcessToJobObject(h, ph)
		windows.CloseHandle(ph)
	}
	if err != nil {
		windows.CloseHandle(h)
		return nil, fmt.Errorf("put process %d in a job object: %w", p.Pid, err)
	}
	return job{h}, nil
}

// interrupt: Windows has no signal to ask a process tree to stop; the lifeline does it.
func (j job) interrupt() bool { return false }

func (j job) kill() { windows.TerminateJobObject(j.h, 1) }

func (j job) release() {
	windows.TerminateJobObject(j.h, 1)
	windows.CloseHandle(j.h)
}
