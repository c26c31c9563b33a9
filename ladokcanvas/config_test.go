package ladokcanvas_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/edusync/edusync/ladokcanvas"
)

func TestDefaultConfigIsValid(t *testing.T) {
	if err := ladokcanvas.DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestLoadConfig(t *testing.T) {
	cfg, err := ladokcanvas.LoadConfig(strings.NewReader(`{
		"UseAsLoginId": "SSN",
		"UpdateEmailFromLadok": true,
		"UpdateNameFromLadok": false,
		"UpdateSsnFromLadok": true,
		"UseSubaccountsForProgramAndCourses": true,
		"SubAccountNewOrganisations": 17,
		"CourseNameFormat": 4,
		"UseAdmitted": true,
		"RoleIdRegistered": 31,
		"RoleIdAdmitted": "Antagen student",
		"UpdateCourseFromLadok": false,
		"EarlyAccessOnCreateCourse": true,
		"EarlyAccessDisablePurge": true,
		"UseRestrictions": true,
		"RestrictionsSendMessageToTeachers": true,
		"WriteProtectedPersonalData": false
	}`))
	if err != nil {
		t.Fatal(err)
	}
	want := ladokcanvas.Config{UseAsLoginID: ladokcanvas.LoginSSN, UpdateEmailFromLadok: true, UpdateSsnFromLadok: true,
		UseSubaccountsForProgramAndCourses: true, SubAccountNewOrganisations: 17, CourseNameFormat: ladokcanvas.NameCodeOfferingCodeTerm,
		UseAdmitted: true, RoleIDRegistered: "31", RoleIDAdmitted: "Antagen student", EarlyAccessOnCreateCourse: true,
		EarlyAccessDisablePurge: true, UseRestrictions: true, RestrictionsSendMessageToTeachers: true}
	if cfg != want {
		t.Errorf("got  %+v\nwant %+v", cfg, want)
	}
	if id, ok := cfg.RoleIDRegistered.ID(); !ok || id != 31 {
		t.Errorf("RoleIdRegistered.ID() = %d, %v", id, ok)
	}
	if _, ok := cfg.RoleIDAdmitted.ID(); ok {
		t.Error("a label reads as an id")
	}

	// Options left out keep their defaults.
	cfg, err = ladokcanvas.ParseConfig([]byte(`{"CourseNameFormat": 2}`))
	if err != nil {
		t.Fatal(err)
	}
	want = ladokcanvas.DefaultConfig()
	want.CourseNameFormat = ladokcanvas.NameTerm
	if cfg != want {
		t.Errorf("got %+v, want the defaults with CourseNameFormat 2", cfg)
	}
}

// TestConfigErrors checks that every bad field is reported, all at once.
func TestConfigErrors(t *testing.T) {
	for _, c := range []struct {
		name, json string
		fields     []string
	}{
		{"everything at once", `{
			"UseAsLoginId": "email",
			"UpdateSsnFromLadok": true,
			"SubAccountNewOrganisations": 0,
			"CourseNameFormat": 7,
			"UseAdmitted": true,
			"RoleIdAdmitted": 0,
			"RestrictionsSendMessageToTeachers": true,
			"UseAdmited": true,
			"UpdateNameFromLadok": "yes"
		}`, []string{"UseAsLoginId", "UpdateSsnFromLadok", "SubAccountNewOrganisations", "CourseNameFormat", "RoleIdRegistered",
			"RoleIdAdmitted", "RestrictionsSendMessageToTeachers", "UseAdmited", "UpdateNameFromLadok"}},
		{"early access without UseAdmitted", `{"EarlyAccessOnCreateCourse": true, "EarlyAccessDisablePurge": true}`,
			[]string{"EarlyAccessOnCreateCourse", "EarlyAccessDisablePurge"}},
		{"the same role twice", `{"UseAdmitted": true, "RoleIdRegistered": "Student", "RoleIdAdmitted": "student"}`, []string{"RoleIdAdmitted"}},
		{"wrong types", `{"SubAccountNewOrganisations": "root", "CourseNameFormat": 1.5, "RoleIdRegistered": true, "UseAsLoginId": 1}`,
			[]string{"SubAccountNewOrganisations", "CourseNameFormat", "RoleIdRegistered", "UseAsLoginId"}},
		{"negative role id", `{"UseAdmitted": true, "RoleIdRegistered": -3, "RoleIdAdmitted": "Antagen"}`, []string{"RoleIdRegistered"}},
		{"not an object", `[1, 2]`, []string{"(file)"}},
		{"not JSON", `UseAdmitted=true`, []string{"(file)"}},
		{"null", `null`, []string{"(file)"}},
		{"empty", ``, []string{"(file)"}},
		{"something after the object", `{"CourseNameFormat": 2} {}`, []string{"(file)"}},
		{"an option twice", `{"UseAdmitted": true, "CourseNameFormat": 2, "CourseNameFormat": 3, "RoleIdRegistered": "A", "RoleIdAdmitted": "B"}`,
			[]string{"CourseNameFormat"}},
		{"an option twice in other case", `{"useAdmitted": false, "UseAdmitted": true, "RoleIdRegistered": "A", "RoleIdAdmitted": "B"}`,
			[]string{"UseAdmitted"}},
		{"null options", `{"UpdateNameFromLadok": null, "RoleIdRegistered": null, "CourseNameFormat": null}`,
			[]string{"UpdateNameFromLadok", "RoleIdRegistered", "CourseNameFormat"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ladokcanvas.ParseConfig([]byte(c.json))
			var ce *ladokcanvas.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *ConfigError", err)
			}
			for _, f := range c.fields {
				if !ce.Has(f) {
					t.Errorf("%s not reported in %v", f, err)
				}
				if !strings.Contains(err.Error(), f) {
					t.Errorf("message %q does not name %s", err, f)
				}
			}
			if len(ce.Fields) != len(c.fields) {
				t.Errorf("%d fields reported, want %d: %v", len(ce.Fields), len(c.fields), err)
			}
		})
	}
}

// TestConfigNormalisedAlike: a configuration built in Go is normalised as one read from a file,
// so both are accepted, and equal, or both refused.
func TestConfigNormalisedAlike(t *testing.T) {
	fromFile, err := ladokcanvas.ParseConfig([]byte(`{"UseAsLoginId": " SSN ", "UseAdmitted": true, "RoleIdRegistered": " Registrerad ", "RoleIdAdmitted": "Antagen"}`))
	if err != nil {
		t.Fatal(err)
	}
	inGo := ladokcanvas.DefaultConfig()
	inGo.UseAsLoginID, inGo.UseAdmitted, inGo.RoleIDRegistered, inGo.RoleIDAdmitted = " SSN ", true, " Registrerad ", "Antagen"
	if err := inGo.Validate(); err != nil {
		t.Fatalf("Validate of the same configuration built in Go: %v", err)
	}
	if inGo.Normalize() != fromFile {
		t.Errorf("normalised %+v, from the file %+v", inGo.Normalize(), fromFile)
	}
	e := newEnv(t, ladokcanvas.DefaultConfig(), nil)
	ad, err := ladokcanvas.New(t.Context(), e.lc, e.cc, e.st, inGo)
	if err != nil {
		t.Fatal(err)
	}
	if ad.Config() != fromFile {
		t.Errorf("the adapter runs with %+v", ad.Config())
	}
	bad := ladokcanvas.DefaultConfig()
	bad.UseAsLoginID = "Email"
	var ce *ladokcanvas.ConfigError
	if _, err := ladokcanvas.ParseConfig([]byte(`{"UseAsLoginId": "Email"}`)); !errors.As(err, &ce) {
		t.Errorf("from a file: %v", err)
	}
	if err := bad.Validate(); !errors.As(err, &ce) {
		t.Errorf("in Go: %v", err)
	}
}

func TestLoadConfigTooLarge(t *testing.T) {
	big := `{"CourseNameFormat": 1` + strings.Repeat(" ", 1<<20) + `}`
	var ce *ladokcanvas.ConfigError
	if _, err := ladokcanvas.LoadConfig(strings.NewReader(big)); !errors.As(err, &ce) {
		t.Fatalf("err = %v", err)
	}
}

// TestNewValidates checks that New refuses what LoadConfig would and bad options, and that
// messaging teachers needs no Messenger of the host's (the built-in one sends Canvas
// conversations).
func TestNewValidates(t *testing.T) {
	e := newEnv(t, ladokcanvas.DefaultConfig(), nil)
	bad := ladokcanvas.DefaultConfig()
	bad.CourseNameFormat = 0
	var ce *ladokcanvas.ConfigError
	if _, err := ladokcanvas.New(t.Context(), e.lc, e.cc, e.st, bad); !errors.As(err, &ce) || !ce.Has("CourseNameFormat") {
		t.Errorf("New with a bad config: %v", err)
	}
	msg := ladokcanvas.DefaultConfig()
	msg.UseRestrictions, msg.RestrictionsSendMessageToTeachers = true, true
	if _, err := ladokcanvas.New(t.Context(), e.lc, e.cc, e.st, msg); err != nil {
		t.Errorf("New without a Messenger: %v", err)
	}
	msg.UseRestrictions = false
	if _, err := ladokcanvas.New(t.Context(), e.lc, e.cc, e.st, msg); !errors.As(err, &ce) || !ce.Has("RestrictionsSendMessageToTeachers") {
		t.Errorf("messages without UseRestrictions: %v", err)
	}
	if _, err := ladokcanvas.New(t.Context(), nil, e.cc, e.st, ladokcanvas.DefaultConfig()); err == nil {
		t.Error("New without a Ladok client")
	}
	for _, o := range []ladokcanvas.Option{ladokcanvas.WithConcurrency(0), ladokcanvas.WithMaxPending(0), ladokcanvas.WithTenant(""),
		ladokcanvas.WithClock(nil), ladokcanvas.WithLogger(nil), ladokcanvas.WithMessenger(nil), ladokcanvas.WithNoticeText(nil), ladokcanvas.WithPollInterval(0),
		ladokcanvas.WithRetryBackoff(2, 1), ladokcanvas.WithTimerCheck(-1), ladokcanvas.WithFeedName("")} {
		if _, err := ladokcanvas.New(t.Context(), e.lc, e.cc, e.st, ladokcanvas.DefaultConfig(), o); err == nil {
			t.Error("a bad option was accepted")
		}
	}
}

// FuzzParseConfig feeds arbitrary files to the configuration decoder: it must never panic,
// and whatever it accepts must be valid.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(`{"UseAsLoginId":"ssn","CourseNameFormat":3,"UseAdmitted":true,"RoleIdRegistered":5,"RoleIdAdmitted":"Antagen"}`))
	f.Add([]byte(`{"RoleIdRegistered":1e400}`))
	f.Add([]byte(`{"useadmitted":true,"UseAdmitted":false}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"SubAccountNewOrganisations":-9223372036854775808}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ladokcanvas.ParseConfig(data)
		if err != nil {
			var ce *ladokcanvas.ConfigError
			if !errors.As(err, &ce) || len(ce.Fields) == 0 {
				t.Fatalf("error %v is not a ConfigError with fields", err)
			}
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("accepted an invalid config: %v", err)
		}
	})
}
