package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/flashstation/flashstation/central"
	"github.com/flashstation/flashstation/drivers/discover"
	"github.com/flashstation/flashstation/drivers/sim"
	fixturecfg "github.com/flashstation/flashstation/fixtures"
	"github.com/flashstation/flashstation/jobs"
	"github.com/flashstation/flashstation/recipes"
	"github.com/flashstation/flashstation/recipes/examples"
	"github.com/flashstation/flashstation/station"
	"github.com/flashstation/flashstation/station/web"
	_ "github.com/flashstation/flashstation/targets/native/all" // every chip family
)

func init() { register(newServeCmd) }

// defaultSimSpec is the fixture `make run` shows: eight slots, every probe
// kind the native drivers speak, every example chip.
const defaultSimSpec = "2*cmsis-dap-v2:stm32f411ce,stlink-v2:stm32f103c8,stlink-v21:stm32f103cb," +
	"cmsis-dap-v1:nrf52840,cmsis-dap-v2:rp2040,stlink-v3:stm32f411ce,cmsis-dap-v2:stm32f103c8"

const defaultListen = "127.0.0.1:8080"

type serveFlags struct {
	logLevel  string
	logFormat string
	config    string
	listen    string
	bus       busChoice
	instant   bool
}

func newServeCmd() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the station: one worker per probe, cycles on a pedal press, the operator page and the HTTP API",
		Long: "Run the station from --config station.toml. Without one, run the embedded demo: an 8-slot simulated\n" +
			"fixture (realtime), each slot on its chip's example recipe.",
		Args: cobra.NoArgs,
	}
	cmd.Flags().StringVar(&f.config, "config", "", "station.toml (default: the embedded simulated demo)")
	cmd.Flags().StringVar(&f.listen, "listen", "", "HTTP listen address (default http.listen, else "+defaultListen+")")
	cmd.Flags().StringVar(&f.bus.simSpec, "sim", "", "simulate the probes: PROBE:CHIP[+option...], comma-separated, N* to repeat")
	cmd.Flags().BoolVar(&f.instant, "instant", false, "simulated time never sleeps (tests); the default is realtime")
	cmd.Flags().Float64Var(&f.bus.speed, "speed", 1, "realtime speed factor for the simulator")
	cmd.Flags().Uint64Var(&f.bus.seed, "seed", 0, "simulator seed (unit IDs, faults)")
	cmd.Flags().StringVar(&f.logLevel, "log-level", "info", "least severe log level written: debug, info, warn or error")
	cmd.Flags().StringVar(&f.logFormat, "log-format", "text", "log line format: text (logfmt, as journalctl shows it) or json (one object a line)")
	dbPath := addDBFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if _, err := newLogger(cmd.ErrOrStderr(), f.logLevel, f.logFormat); err != nil {
			return err
		}
		if !(f.bus.speed > 0) || math.IsInf(f.bus.speed, 0) {
			return usageErrorf("--speed %v: want a positive factor (1 = real time, 10 = ten times faster)", f.bus.speed)
		}
		return serve(cmd.Context(), f, dbPath, cmd.Flags().Changed("db"), cmd.OutOrStdout(), cmd.ErrOrStderr())
	}
	return cmd
}

// serve composes the parts. Shutdown order, when ctx ends: stop the HTTP
// server and the pedals (no new presses), then the station (its workers
// record their attempts' ends), then the central forwarder (what it has
// not sent stays in the store for the next start), then close the store,
// then remove the extracted examples.
func serve(ctx context.Context, f serveFlags, dbPath func() (string, error), dbChanged bool, stdout, stderr io.Writer) error {
	log, err := newLogger(stderr, f.logLevel, f.logFormat)
	if err != nil {
		return err
	}
	if f.config == "" && f.bus.simSpec == "" {
		f.bus.simSpec = defaultSimSpec
	}
	var cfg *fixturecfg.Config
	var slots []station.SlotConfig
	if f.config != "" {
		var loaded map[string]*recipes.Recipe
		cfg, loaded, err = loadStation(f.config, f.listen)
		if err != nil {
			return reportProblems(stderr, f.config, err)
		}
		for _, s := range cfg.Slots {
			slots = append(slots, station.SlotConfig{Slot: s, Recipe: loaded[s.Recipe]})
		}
	}
	f.bus.realtime = !f.instant
	bus, fixture, closeBus, note, err := f.bus.open()
	if err != nil {
		return err
	}
	defer closeBus()
	if note != "" {
		log.Warn(note)
	}

	if f.config == "" {
		dir, err := os.MkdirTemp("", "flashstation-examples-")
		if err != nil {
			return failed(fmt.Errorf("serve: %w", err))
		}
		defer os.RemoveAll(dir)
		cfg = &fixturecfg.Config{Station: "demo", Mode: fixturecfg.ModePedal, AttemptDeadline: 15 * time.Minute}
		if slots, err = simSlots(fixture, dir); err != nil {
			return failed(err)
		}
	}

	path := cfg.Database
	if dbChanged || path == "" {
		if path, err = dbPath(); err != nil {
			return err
		}
	} else if err := checkDBDir(f.config+": database", path); err != nil {
		// Checked here, not by station check: the folder exists on the
		// station (systemd's StateDirectory), not where a file is checked.
		return err
	}
	// With [central], serial numbers are the factory's: only from blocks
	// leased to this station.
	store, err := jobs.Open(path, jobs.Options{Logger: log, LeasedSerials: cfg.Central != nil})
	if err != nil {
		return dbError(err)
	}
	defer store.Close()

	listen := f.listen
	if listen == "" {
		listen = cfg.Listen
	}
	if listen == "" {
		listen = defaultListen
	}
	if err := checkListenAddr(listen); err != nil {
		return usageErrorf("serve: --listen %s: %v", listen, err)
	}
	loopback := station.LoopbackOnly(listen)
	if !loopback && cfg.Token == "" {
		return usageErrorf("serve: --listen %s is reachable from other machines: set http.token in station.toml (or listen on 127.0.0.1)", listen)
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	opts := station.Options{Name: cfg.Station, Mode: cfg.Mode, Slots: slots, Bus: bus, Store: store, Registry: reg, Log: log,
		AttemptDeadline: cfg.AttemptDeadline, Page: web.FS, Version: buildVersion().Version, Revision: buildVersion().Commit, Token: cfg.Token, LoopbackOnly: loopback}
	if fixture != nil {
		opts.AfterSlot = reseater(fixture, slots, cfg.Mode)
	}
	var fwd *central.Forwarder
	var leaser *central.Leaser
	if cfg.Central != nil {
		// The station never waits on the central database: attempts go to
		// the store, and the forwarder copies them when it can.
		client, err := central.New(*cfg.Central, log)
		if err != nil {
			return failed(err)
		}
		defer client.Close()
		if fwd, err = central.NewForwarder(client, store, reg, log); err != nil {
			return failed(err)
		}
		opts.Central = fwd
		leaser = central.NewLeaser(client, store, seriesOf(slots), log)
		opts.Store = &central.LeasedStore{Store: store, Leaser: leaser}
	}
	st, err := station.New(opts)
	if err != nil {
		return failed(err)
	}

	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return failed(fmt.Errorf("serve: listen on %s: %w", listen, err))
	}
	// Timeouts, header size and connection limits: see
	// station.DefaultServerLimits (README, "HTTP limits").
	srv := station.NewServer(st.Handler(reg), station.DefaultServerLimits)
	ln = station.LimitListener(ln, station.DefaultServerLimits, log)
	fmt.Fprintf(stdout, "flashstation %s: %d slots, %s mode; operator page http://%s/\n", cfg.Station, len(slots), cfg.Mode, pageHost(ln.Addr()))

	runCtx, stopParts := context.WithCancel(ctx)
	defer stopParts()
	var wg sync.WaitGroup
	for _, p := range cfg.Pedals {
		wg.Add(1)
		go func() {
			defer wg.Done()
			(&fixturecfg.PedalReader{Pedal: p, Log: log, Press: func() { st.Cycle("pedal") }}).Run(runCtx)
		}()
	}
	stationDone := make(chan struct{})
	go func() {
		st.Run(runCtx)
		close(stationDone)
	}()
	// The forwarder outlives the station's workers, so attempts they end
	// while stopping are still sent when the server answers at once.
	fwdCtx, stopFwd := context.WithCancel(context.WithoutCancel(ctx))
	defer stopFwd()
	fwdDone := make(chan struct{})
	go func() {
		if fwd != nil {
			go leaser.Run(fwdCtx)
			fwd.Run(fwdCtx)
		}
		close(fwdDone)
	}()
	srvErr := make(chan error, 1)
	go func() { srvErr <- srv.Serve(ln) }()

	select {
	case <-ctx.Done():
	case err = <-srvErr:
	}
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	srv.Shutdown(shutCtx)
	cancel()
	stopParts()
	wg.Wait()
	<-stationDone
	stopFwd()
	<-fwdDone
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return failed(fmt.Errorf("serve: %w", err))
	}
	return nil
}

// simSlots gives each simulated probe a slot on its chip's example recipe,
// four to a row, selected by port (stable in the simulator).
func simSlots(fx *sim.Fixture, dir string) ([]station.SlotConfig, error) {
	if err := examples.Extract(dir); err != nil {
		return nil, fmt.Errorf("serve: extract the example recipes: %w", err)
	}
	byFile := map[string]*recipes.Recipe{}
	var out []station.SlotConfig
	for i, s := range fx.Slots {
		file, err := examples.ForChip(string(s.Spec.Chip))
		if err != nil {
			return nil, fmt.Errorf("serve: %w", err)
		}
		r := byFile[file]
		if r == nil {
			if r, err = recipes.Load(dir + "/" + file); err != nil {
				return nil, fmt.Errorf("serve: example recipe %s: %w", file, err)
			}
			byFile[file] = r
		}
		sel, err := discover.ParseSelector(s.Probe.Port())
		if err != nil {
			return nil, fmt.Errorf("serve: %w", err)
		}
		name := fmt.Sprintf("%c%d", 'A'+rune(i/4), 1+i%4)
		out = append(out, station.SlotConfig{Slot: fixturecfg.Slot{Name: name, Probe: sel, Recipe: r.File,
			Place: fixturecfg.Place{Row: 1 + i/4, Col: 1 + i%4}, RetryOn: []jobs.Result{jobs.Error}}, Recipe: r})
	}
	return out, nil
}

// reseater seats a new board in a simulated nest after each slot's cycle,
// so every cycle flashes a new unit, as on a real line. In auto mode the
// nest stays empty for a moment first, as when an operator swaps boards.
func reseater(fx *sim.Fixture, slots []station.SlotConfig, mode fixturecfg.Mode) func(string, *jobs.Attempt) {
	bySlot := map[string]*sim.Slot{}
	for _, sc := range slots {
		for _, s := range fx.Slots {
			if sc.Probe.Port == s.Probe.Port() || (sc.Probe.Serial != "" && strings.EqualFold(sc.Probe.Serial, s.Probe.Serial())) {
				bySlot[sc.Name] = s
			}
		}
	}
	return func(name string, _ *jobs.Attempt) {
		s := bySlot[name]
		if s == nil {
			return
		}
		if mode == fixturecfg.ModeAuto {
			s.Reseat(true)
			time.AfterFunc(2*time.Second, func() { s.Reseat(false) })
			return
		}
		s.Reseat(false)
	}
}

// pageHost names the listener in a URL a browser on this machine can open.
func pageHost(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	if tcp.IP.IsUnspecified() {
		return fmt.Sprintf("127.0.0.1:%d", tcp.Port)
	}
	return tcp.String()
}

// newLogger builds the station's logger from --log-level and --log-format.
// Under systemd the lines go to the journal through stderr.
func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usageErrorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usageErrorf("--log-format %q: want text or json", format)
}

// checkListenAddr refuses an address net.Listen could only fail on late
// with a message that reads like a station fault (a port past 65535, no
// port): bad input, exit 2.
func checkListenAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("want HOST:PORT (%w)", err)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("port %q is not a number from 0 to 65535", port)
	}
	return nil
}

// seriesOf lists the serial series the slots' recipes draw from, once each.
func seriesOf(slots []station.SlotConfig) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range slots {
		if s.Recipe != nil && s.Recipe.Serial != nil && !seen[s.Recipe.Serial.Series] {
			seen[s.Recipe.Serial.Series] = true
			out = append(out, s.Recipe.Serial.Series)
		}
	}
	return out
}
