package postgres_test

import (
	"testing"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/storetest"
)

func TestConformance(t *testing.T) {
	needServer(t)
	storetest.Run(t, func(t *testing.T, opts ...store.Option) store.Store {
		return open(t, opts...)
	})
}
