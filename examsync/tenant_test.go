package examsync_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/edusync/edusync/examsync"
)

const goodTenant = `{"orgId":"185","orgShortName":"uio","examSys":"INSPERA","instance":"uio","insperaClientCode":"uio",
	"fsEnv":"prod","active":true,"klage":true,"begrunnelse":true,"autoEpost":false,"pollInterval":"2h",
	"klageFilter":{"emnekoder":["INF*"],"klagestatuser":["AKTIV","TRUKKET"]}}`

func TestLoadTenantsNamesEveryBadField(t *testing.T) {
	tests := []struct {
		name  string
		json  string
		field string // the field the error names; "" for none
	}{
		{"good", "[" + goodTenant + "]", ""},
		{"orgId not a number", `[` + strings.Replace(goodTenant, `"185"`, `"UiO"`, 1) + `]`, "orgId"},
		{"short name with capitals", `[` + strings.Replace(goodTenant, `"uio","examSys"`, `"UiO","examSys"`, 1) + `]`, "orgShortName"},
		{"unknown exam system", `[` + strings.Replace(goodTenant, `"INSPERA"`, `"EXAMOS"`, 1) + `]`, "examSys"},
		{"Inspera without client code", `[` + strings.Replace(goodTenant, `"insperaClientCode":"uio",`, ``, 1) + `]`, "insperaClientCode"},
		{"no FS environment", `[` + strings.Replace(goodTenant, `"fsEnv":"prod",`, ``, 1) + `]`, "fsEnv"},
		{"active with both flows off", `[` + strings.NewReplacer(`"klage":true`, `"klage":false`, `"begrunnelse":true`, `"begrunnelse":false`).Replace(goodTenant) + `]`, "klage"},
		{"poll interval of a second", `[` + strings.Replace(goodTenant, `"2h"`, `"1s"`, 1) + `]`, "pollInterval"},
		{"filter of everything", `[` + strings.Replace(goodTenant, `"INF*"`, `"*"`, 1) + `]`, "klageFilter.emnekoder"},
		{"misspelt member", `[` + strings.Replace(goodTenant, `"klage"`, `"klag"`, 1) + `]`, "the object"},
		{"a string for a flag", `[` + strings.Replace(goodTenant, `"active":true`, `"active":"yes"`, 1) + `]`, "the object"},
		{"explanation URL over http", `[` + strings.Replace(goodTenant, `"fsEnv"`, `"explanationUrl":"http://x/{flowId}","fsEnv"`, 1) + `]`, "explanationUrl"},
		{"the same institution twice", `[` + goodTenant + `,` + goodTenant + `]`, "orgId"},
		{"both exam systems", `[` + goodTenant + `,` + strings.NewReplacer(`"INSPERA"`, `"WISEFLOW"`, `"insperaClientCode":"uio",`, ``).Replace(goodTenant) + `]`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, err := examsync.LoadTenants(strings.NewReader(tt.json))
			if tt.field == "" {
				if err != nil || len(ts) == 0 {
					t.Fatalf("LoadTenants: %v", err)
				}
				return
			}
			var te *examsync.TenantError
			if !errors.As(err, &te) || !errors.Is(err, examsync.ErrTenant) || ts != nil {
				t.Fatalf("err = %v, want a TenantError and no tenants", err)
			}
			if !strings.Contains(err.Error(), tt.field) {
				t.Errorf("err = %v, want it to name %s", err, tt.field)
			}
		})
	}
}

func TestLoadTenantsRefusesWhatIsNotAList(t *testing.T) {
	for _, in := range []string{"", "{}", "null x", strings.Repeat("[", 1<<20), `[` + strings.Repeat(" ", 5<<20) + `]`} {
		if _, err := examsync.LoadTenants(strings.NewReader(in)); !errors.Is(err, examsync.ErrTenant) {
			t.Errorf("LoadTenants(%.20q...) = %v, want ErrTenant", in, err)
		}
	}
}

func TestTenantErrorsQuoteNoValue(t *testing.T) {
	_, err := examsync.LoadTenants(strings.NewReader(`[` + strings.Replace(goodTenant, `"185"`, `"01019912345-secret"`, 1) + `]`))
	if err == nil || strings.Contains(err.Error(), "01019912345") || strings.Contains(err.Error(), "secret") {
		t.Errorf("err = %v", err)
	}
}

func FuzzLoadTenants(f *testing.F) {
	f.Add("[" + goodTenant + "]")
	f.Add(`[{"orgId":1}]`)
	f.Fuzz(func(t *testing.T, in string) {
		ts, err := examsync.LoadTenants(strings.NewReader(in))
		if err != nil {
			if ts != nil || !errors.Is(err, examsync.ErrTenant) {
				t.Fatalf("tenants %v with err %v", ts, err)
			}
			return
		}
		for i := range ts {
			if err := ts[i].Validate(); err != nil {
				t.Fatalf("a loaded tenant does not validate: %v", err)
			}
		}
	})
}
