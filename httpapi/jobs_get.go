package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/switchboard/switchboard"
)

var (
	errJobIDRequired = invalid("id is required")
	errJobNotFound   = &switchboard.Error{Code: switchboard.CodeNotFound, Message: "Job not found"}
)

// jobJSON is a job as GET /api/job/get shows it.
type jobJSON struct {
	ID     string `json:"id"`
	Status string `json:"status"` // running, done, failed or interrupted
	Kind   string `json:"kind"`   // the route: community.link, community.unlink, community.create
	Done   int    `json:"done"`
	Total  int    `json:"total"`
	// CreatedAt is when the job was accepted; FinishedAt when it ended (null while running).
	CreatedAt  time.Time  `json:"createdAt"`
	FinishedAt *time.Time `json:"finishedAt"`
	// Result is the body the synchronous call would have returned: set once the job is done or
	// failed (failed: the route answered an error, which this is), and for a job interrupted
	// by a shutdown, what the handler answered when cancelled. Null otherwise.
	Result json.RawMessage `json:"result"`
}

type jobResponse struct {
	envelope
	Job jobJSON `json:"job"`
}

// handleJobGet is GET /api/job/get/{instance}?id=: a job of this instance. Another instance's
// job, of this account or another, is "Job not found" like an unknown id.
func (s *Server) handleJobGet(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	id := strings.TrimSpace(r.URL.Query().Get("id"))
	if id == "" {
		return errJobIDRequired
	}
	if s.cfg.Jobs == nil {
		return errJobNotFound // no job can exist
	}
	job, err := s.cfg.Jobs.JobByID(r.Context(), inst.ID, id)
	if errors.Is(err, switchboard.ErrNotFound) {
		return errJobNotFound
	}
	if err != nil {
		return failed("Failed to get job", err)
	}
	view := jobJSON{
		ID: job.ID, Status: string(job.Status), Kind: job.Kind, Done: job.Done, Total: job.Total,
		CreatedAt: job.CreatedAt,
	}
	if job.Status != switchboard.JobRunning {
		finished := job.UpdatedAt
		view.FinishedAt = &finished
	}
	if len(job.Result) > 0 && json.Valid(job.Result) {
		view.Result = job.Result
	}
	writeJSON(w, http.StatusOK, jobResponse{envelope: ok("Job " + string(job.Status)), Job: view})
	return nil
}
