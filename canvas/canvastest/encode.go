package canvastest

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/edusync/edusync/canvas"
)

// Enrolments are what SIS integrations read most, by the tens of thousands, so each one's JSON
// is written once when it changes and pages are put together from these pieces. The encoding
// is Canvas's: every field present, null where Canvas sends null, the user as a nested object
// and grades for student enrolments.

// encodeEnrollment refreshes er's cached JSON; the caller holds the write lock.
func (st *store) encodeEnrollment(er *enrRec) {
	er.json = appendEnrollment(er.json[:0], &er.e, st.users[er.e.UserID])
}

// reencodeUser refreshes the cached JSON of the user's enrolments (their nested user object).
func (st *store) reencodeUser(u *userRec) {
	for _, eid := range u.enrollments {
		if er := st.enrollments[eid]; er != nil {
			st.encodeEnrollment(er)
		}
	}
}

type jw struct{ b []byte }

func (w *jw) raw(s string) { w.b = append(w.b, s...) }

func (w *jw) key(k string) {
	if n := len(w.b); n > 0 && w.b[n-1] != '{' {
		w.b = append(w.b, ',')
	}
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':')
}

func (w *jw) str(k, v string) {
	w.key(k)
	w.b = appendJSONString(w.b, v)
}

func (w *jw) strOrNull(k, v string) {
	if v == "" {
		w.key(k)
		w.raw("null")
		return
	}
	w.str(k, v)
}

func (w *jw) int(k string, v int64) {
	w.key(k)
	w.b = strconv.AppendInt(w.b, v, 10)
}

func (w *jw) intOrNull(k string, v int64) {
	if v == 0 {
		w.key(k)
		w.raw("null")
		return
	}
	w.int(k, v)
}

func (w *jw) bool(k string, v bool) {
	w.key(k)
	w.b = strconv.AppendBool(w.b, v)
}

func (w *jw) time(k string, t time.Time) {
	w.key(k)
	if t.IsZero() {
		w.raw("null")
		return
	}
	w.b = append(w.b, '"')
	w.b = t.UTC().AppendFormat(w.b, time.RFC3339)
	w.b = append(w.b, '"')
}

func (w *jw) num(k string, v float64, null bool) {
	w.key(k)
	if null {
		w.raw("null")
		return
	}
	w.b = strconv.AppendFloat(w.b, v, 'f', -1, 64)
}

// appendEnrollment writes e as Canvas does.
func appendEnrollment(b []byte, e *canvas.Enrollment, u *userRec) []byte {
	w := jw{b: b}
	w.raw("{")
	w.int("id", e.ID)
	w.int("user_id", e.UserID)
	w.int("course_id", e.CourseID)
	w.str("type", string(e.Type))
	w.time("created_at", e.CreatedAt)
	w.time("updated_at", e.UpdatedAt)
	w.intOrNull("associated_user_id", e.AssociatedUserID)
	w.time("start_at", e.StartAt)
	w.time("end_at", e.EndAt)
	w.int("course_section_id", e.CourseSectionID)
	w.int("root_account_id", e.RootAccountID)
	w.bool("limit_privileges_to_course_section", e.LimitPrivilegesToCourseSection)
	w.str("enrollment_state", string(e.EnrollmentState))
	w.str("role", e.Role)
	w.int("role_id", e.RoleID)
	w.time("last_activity_at", e.LastActivityAt)
	w.time("last_attended_at", e.LastAttendedAt)
	w.int("total_activity_time", int64(e.TotalActivityTime))
	w.strOrNull("sis_account_id", e.SisAccountID)
	w.strOrNull("sis_course_id", e.SisCourseID)
	w.strOrNull("course_integration_id", e.CourseIntegrationID)
	w.strOrNull("sis_section_id", e.SisSectionID)
	w.strOrNull("section_integration_id", e.SectionIntegrationID)
	w.strOrNull("sis_user_id", e.SisUserID)
	w.intOrNull("sis_import_id", e.SisImportID)
	w.str("html_url", e.HTMLURL)
	if e.Type == canvas.EnrollmentTypeStudent {
		g := &e.Grades
		w.key("grades")
		w.raw("{")
		w.str("html_url", g.HTMLURL)
		w.strOrNull("current_grade", g.CurrentGrade)
		w.num("current_score", g.CurrentScore, g.CurrentGrade == "" && g.CurrentScore == 0)
		w.strOrNull("final_grade", g.FinalGrade)
		w.num("final_score", g.FinalScore, false)
		w.num("unposted_current_score", g.UnpostedCurrentScore, g.UnpostedCurrentGrade == "" && g.UnpostedCurrentScore == 0)
		w.strOrNull("unposted_current_grade", g.UnpostedCurrentGrade)
		w.num("unposted_final_score", g.UnpostedFinalScore, false)
		w.strOrNull("unposted_final_grade", g.UnpostedFinalGrade)
		w.raw("}")
		w.bool("has_grading_periods", e.HasGradingPeriods)
		w.bool("totals_for_all_grading_periods_option", e.TotalsForAllGradingPeriodsOption)
		w.strOrNull("current_grading_period_title", e.CurrentGradingPeriodTitle)
		w.intOrNull("current_grading_period_id", e.CurrentGradingPeriodID)
		w.strOrNull("override_grade", e.OverrideGrade)
		w.num("override_score", e.OverrideScore, e.OverrideGrade == "")
		w.strOrNull("unposted_current_grade", e.UnpostedCurrentGrade)
		w.strOrNull("unposted_final_grade", e.UnpostedFinalGrade)
		w.num("unposted_current_score", e.UnpostedCurrentScore, e.UnpostedCurrentGrade == "")
		w.num("unposted_final_score", e.UnpostedFinalScore, e.UnpostedFinalGrade == "")
	}
	if u != nil {
		w.key("user")
		w.raw("{")
		w.int("id", u.u.ID)
		w.str("name", u.u.Name)
		w.time("created_at", u.u.CreatedAt)
		w.str("sortable_name", u.u.SortableName)
		w.str("short_name", u.u.ShortName)
		w.strOrNull("sis_user_id", u.u.SisUserID)
		w.strOrNull("integration_id", u.u.IntegrationID)
		w.str("root_account", u.u.RootAccount)
		w.str("login_id", u.u.LoginID)
		w.raw("}")
	}
	w.raw("}")
	return w.b
}

// appendJSONString writes s as a JSON string (invalid UTF-8 replaced, control characters and
// characters that break HTML escaped, as Rails does).
func appendJSONString(b []byte, s string) []byte {
	const hexd = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexd[c>>4], hexd[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexd[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
