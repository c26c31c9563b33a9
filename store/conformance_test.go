package store_test

import (
	"testing"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/storetest"
)

func TestMemoryConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, opts ...store.Option) store.Store {
		return store.NewMemory(opts...)
	})
}
