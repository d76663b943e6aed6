//go:build browser

// The browser test drives the playground page in headless Chromium through a
// real create → PUT → chart round trip, across origins (so CORS is tested by
// a real browser), and saves a screenshot. It needs Chromium and Korean fonts
// (Debian: apt-get install chromium fonts-noto-cjk) and runs with
//
//	go test -tags browser -run TestPlaygroundInBrowser ./cmd/palja/
//
// or .ci/browser, which installs both and keeps the screenshot. Environment:
//
//	PALJA_CHROMIUM    the browser (default /usr/bin/chromium)
//	PALJA_SCREENSHOT  where to write the PNG (default: a temp dir, logged);
//	                  the 360 px phone's goes beside it, as NAME-360.png,
//	                  and its chart card alone as NAME-360-chart.png; the
//	                  412's panel and the delete confirmation as
//	                  NAME-412.png and NAME-delete.png
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/palja/palja/profile"
)

func TestPlaygroundInBrowser(t *testing.T) {
	chromium := os.Getenv("PALJA_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("no Chromium at %s (apt-get install chromium fonts-noto-cjk, or set PALJA_CHROMIUM): %v", chromium, err)
	}
	shot := os.Getenv("PALJA_SCREENSHOT")
	if shot == "" {
		shot = filepath.Join(t.TempDir(), "playground.png")
	}

	// One API on two loopback ports: the page comes from one origin and
	// calls the API on the other, as a customer's web app would, so every
	// call with X-API-Key needs a CORS preflight.
	pageLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	apiLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pageOrigin := "http://" + pageLn.Addr().String()
	apiOrigin := "http://" + apiLn.Addr().String()

	db, cfg := newWebDB(t, pageOrigin)
	h := profile.NewHandler(slog.New(slog.NewTextHandler(io.Discard, nil)), db.Profiles(), db, cfg)
	for _, ln := range []net.Listener{pageLn, apiLn} {
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(ln)
		defer srv.Close()
	}
	key, _, err := db.CreateKey(context.Background(), "browser", "", 100, 100)
	if err != nil {
		t.Fatal(err)
	}
	// A key with a burst of one and a slow refill, for a 429.
	slowKey, _, err := db.CreateKey(context.Background(), "slow", "", 0.02, 1)
	if err != nil {
		t.Fatal(err)
	}
	// An address nothing listens on, for a network error.
	deadLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadOrigin := "http://" + deadLn.Addr().String()
	deadLn.Close()

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), // containers have a small /dev/shm
		chromedp.Flag("lang", "ko-KR"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1360, 1000),
	)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()

	// Script errors on the page fail the test, and so does a 404 or an
	// error in the console for anything but the API's own answers and the
	// dead address (a missing favicon among them).
	var (
		mu       sync.Mutex
		problems []string
	)
	if err := chromedp.Do(ctx); err != nil { // starts the browser, without a timeout
		t.Fatalf("start Chromium: %v", err)
	}
	if err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			mu.Lock()
			problems = append(problems, "exception: "+(&chromedp.ExceptionError{ExceptionDetails: ev.ExceptionDetails}).Error())
			mu.Unlock()
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				mu.Lock()
				problems = append(problems, "console.error")
				mu.Unlock()
			}
		case *network.EventResponseReceived:
			if r := ev.Response; r != nil && r.Status >= 400 && !strings.Contains(r.URL, "/v1/") {
				mu.Lock()
				problems = append(problems, fmt.Sprintf("%d for %s", r.Status, r.URL))
				mu.Unlock()
			}
		case *cdplog.EventEntryAdded:
			if e := ev.Entry; e != nil && e.Level == cdplog.EntryLevelError && !strings.Contains(e.URL, "/v1/") && !strings.HasPrefix(e.URL, deadOrigin) {
				mu.Lock()
				problems = append(problems, fmt.Sprintf("console: %s (%s)", e.Text, e.URL))
				mu.Unlock()
			}
		}
	}); err != nil {
		t.Fatal(err)
	}

	b := &browser{t: t, ctx: ctx}
	// step runs actions with a time limit; on failure it logs the page's
	// last-response panel and saves a screenshot beside the wanted one.
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			b.fail(name, err, strings.TrimSuffix(shot, ".png")+"-failed.png")
		}
	}
	poll := func(expr string) chromedp.Action[chromedp.Void] {
		return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(15*time.Second))
	}
	field := func(name string) string { return `form.field[data-field="` + name + `"] [name="value"]` }
	save := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Click(chromedp.CSS(`form.field[data-field="` + name + `"] button`))
	}

	step("open the page",
		chromedp.Navigate(pageOrigin+"/?api="+url.QueryEscape(apiOrigin)),
		poll(`document.body.dataset.ready === "true"`),
	)
	if got := b.eval(`document.querySelector("#base").value`); got != apiOrigin {
		t.Fatalf("API base URL %q, want %q from ?api=", got, apiOrigin)
	}
	// The page names its icon, and the server has it (no favicon 404).
	b.expect(`(async () => {
		const l = document.querySelector('link[rel~="icon"]');
		if (!l) return "no icon link";
		const r = await fetch(l.href);
		return r.status + " " + r.headers.get("Content-Type");
	})()`, "200 image/svg+xml")
	// Placeholders are examples, not values: lighter and in italics.
	b.expect(`getComputedStyle(document.querySelector('#create-form [name="name"]'), "::placeholder").fontStyle`, "italic")

	step("create 김영희, 1990-05-15 10시",
		chromedp.SetValue(chromedp.CSS("#key"), key),
		chromedp.SetValue(chromedp.CSS(`#create-form [name="name"]`), "김영희"),
		chromedp.SetValue(chromedp.CSS(`#create-form [name="birth_year"]`), "1990"),
		chromedp.SetValue(chromedp.CSS(`#create-form [name="birth_month"]`), "5"),
		chromedp.SetValue(chromedp.CSS(`#create-form [name="birth_day"]`), "15"),
		chromedp.SetValue(chromedp.CSS(`#create-form [name="birth_hour"]`), "10"),
		chromedp.SetValue(chromedp.CSS(`#create-form [name="gender"]`), "female"),
		chromedp.SetValue(chromedp.CSS(`#create-form [name="external_id"]`), "user_12345"),
		chromedp.Click(chromedp.CSS("#create-btn")),
		poll(`document.querySelector("#chart").dataset.hour === "known"`),
	)
	id := b.eval(`state.profile.id`)
	if !profile.IsID(id) {
		t.Fatalf("profile id %q", id)
	}
	// 1990-05-15 10:00 KST: 경오년 신사월 경진일 신사시, drawn right to left.
	b.expect(`[...document.querySelectorAll("#chart .colhangul")].map(e => e.textContent).join(" ")`, "시주 일주 월주 연주")
	b.expect(`[...document.querySelectorAll("#chart .cell .big")].map(e => e.textContent).join("")`, "신경신경사진사오")
	b.expect(`[...document.querySelectorAll("#chart .cell .small")].map(e => e.textContent).join("")`, "辛庚辛庚巳辰巳午")
	b.expect(`[...document.querySelectorAll("#chart .cell")].map(e => e.dataset.element).join(" ")`,
		"metal metal metal metal fire earth fire fire")
	b.expect(`document.querySelector("#chart .cell.me .big").textContent`, "경")
	b.expect(`document.querySelector("#daymaster .v").textContent`, "경금 庚金")
	b.expect(`document.querySelector("#elements .bar.weakest").dataset.element`, "wood")
	b.expect(`document.querySelector("#profile").textContent.includes("김**") && !document.body.textContent.includes("영희")`, "true")
	// Readable across origins only because they are exposed by CORS.
	b.expect(`document.querySelector("#h-limit").textContent`, "100")
	if rid := b.eval(`document.querySelector("#h-request-id").textContent`); !strings.HasPrefix(rid, "req_") {
		t.Errorf("X-Request-Id shown as %q", rid)
	}
	b.expect(`state.etag`, `"v1"`)
	// The panel shows the user's own exchange, the POST's 201 with its
	// Location and ETag, and the chart's GET …/saju only as a follow-up.
	b.expect(`document.querySelector("#status").textContent`, "201 Created POST /v1/profiles")
	b.expect(`document.querySelector("#h-location")?.textContent`, "/v1/profiles/"+id)
	b.expect(`document.querySelector("#h-etag").textContent`, `"v1"`)
	b.expect(`document.querySelector("#body").textContent.includes('"id":"`+id+`"') && !document.querySelector("#body").textContent.includes("pillars")`, "true")
	b.expect(`document.querySelector("#followup")?.hidden + " " + document.querySelector("#followup")?.textContent`,
		"false 이어서 · then GET /v1/profiles/"+id+"/saju → 200")

	step("PUT the name only",
		chromedp.SetValue(chromedp.CSS(field("name")), "이민지"),
		save("name"),
		poll(`document.querySelector("#profile").textContent.includes("이**") && state.etag === '"v2"'`),
	)
	b.expect(`document.querySelector("#status").textContent`, "200 OK PUT /v1/profiles/"+id)
	b.expect(`document.querySelector("#h-etag").textContent`, `"v2"`)
	b.expect(`document.querySelector("#h-location")?.textContent`, "—")
	b.expect(`document.querySelector("#chart .cell.me .big").textContent`, "경")

	step("a rejected PUT shows the API error",
		chromedp.SetValue(chromedp.CSS(field("birth_day")), "32"),
		save("birth_day"),
		poll(`!document.querySelector("#error").hidden`),
	)
	b.expect(`document.querySelector("#error .error-title").textContent`, "400 validation_error · birth_day")
	b.expect(`document.querySelector("#status strong").textContent.trim()`, "400 Bad Request")
	b.expect(`document.querySelector('`+field("birth_day")+`').getAttribute("aria-invalid")`, "true")
	// Only the form that sent it: the create form's birth_day is not outlined.
	b.expect(`[...document.querySelectorAll("[aria-invalid]")].map(e => (e.closest("form").dataset.field || e.closest("form").id) + ":" + e.name).join(",")`, "birth_day:value")
	b.expect(`state.etag`, `"v2"`)

	step("clear the birth hour with 시간 모름",
		chromedp.Click(chromedp.CSS("#edit-hour-unknown")),
		save("birth_hour"),
		poll(`document.querySelector("#chart").dataset.hour === "unknown" && document.querySelector("#error").hidden`),
	)
	b.expect(`[...document.querySelectorAll("#chart .cell.empty")].length`, "2")
	b.expect(`document.querySelector("#elements .k").textContent.endsWith("6/6")`, "true")
	if hour := apiHour(t, apiOrigin, key, id); hour != "null" {
		t.Errorf("after 시간 모름 the API has hour pillar %s, want null", hour)
	}

	step("set the birth hour again",
		chromedp.Click(chromedp.CSS("#edit-hour-unknown")),
		chromedp.SetValue(chromedp.CSS(field("birth_hour")), "10"),
		save("birth_hour"),
		poll(`document.querySelector("#chart").dataset.hour === "known"`),
	)
	b.expect(`[...document.querySelectorAll("#chart .cell .big")].map(e => e.textContent).join("")`, "신경신경사진사오")
	b.expect(`state.etag`, `"v4"`)
	if hour := apiHour(t, apiOrigin, key, id); !strings.Contains(hour, `"hangul":"신사"`) {
		t.Errorf("after setting 10시 the API has hour pillar %s, want 신사", hour)
	}

	// The derived rows (SAJU-DERIVED.md) under the same pillars, and the
	// 대운: female and a yang year (경오), so backward, ten of them, the
	// first (index 1, 경진 before the month 신사) at the right.
	b.expect(`[...document.querySelectorAll("#chart .d-stg")].map(e => e.textContent).join(" ")`, "겁재 일간 겁재 비견")
	b.expect(`[...document.querySelectorAll("#chart .d-btg")].map(e => e.textContent).join(" ")`, "편관 편인 편관 정관")
	b.expect(`[...document.querySelectorAll("#chart .d-hidden")].map(e => e.textContent).join(" ")`, "무7경7병16 을9계3무18 무7경7병16 병10기9정11")
	b.expect(`[...document.querySelectorAll("#chart .d-stage")].map(e => e.textContent).join(" ")`, "장생 양 장생 목욕")
	b.expect(`[...document.querySelectorAll("#chart .d-sinsal")].map(e => e.textContent).join(" ")`, "망신살 월살 망신살 장성살")
	b.expect(`document.querySelector("#relations").dataset.count`, "0")
	b.expect(`document.querySelector("#luck").dataset.direction`, "backward")
	b.expect(`[...document.querySelectorAll("#luck .luck-pillar")].map(e => e.querySelector(".luck-age").textContent).join(" ")`, "3 13 23 33 43 53 63 73 83 93")
	b.expect(`[...document.querySelectorAll("#luck .luck-pillar[data-index='1'] .luck-char")].map(e => e.textContent).join("")`, "경진")
	b.expect(`(() => { const l = document.querySelectorAll("#luck .luck-pillar"); return l[0].getBoundingClientRect().left > l[9].getBoundingClientRect().left })()`, "true")

	step("PUT the gender only: the 대운 turn forward",
		chromedp.SetValue(chromedp.CSS(field("gender")), "male"),
		save("gender"),
		poll(`document.querySelector("#luck").dataset.direction === "forward" && state.etag === '"v5"'`),
	)
	b.expect(`[...document.querySelectorAll("#luck .luck-pillar[data-index='1'] .luck-char")].map(e => e.textContent).join("")`, "임오")
	b.expect(`[...document.querySelectorAll("#chart .d-stg")].map(e => e.textContent).join(" ")`, "겁재 일간 겁재 비견")

	step("move to the birth of SAJU-DERIVED.md §11 (1990-05-17 14시): six relations",
		chromedp.SetValue(chromedp.CSS(field("birth_day")), "17"),
		save("birth_day"),
		poll(`state.etag === '"v6"'`),
		chromedp.SetValue(chromedp.CSS(field("birth_hour")), "14"),
		save("birth_hour"),
		poll(`document.querySelector("#relations").dataset.count === "6" && state.etag === '"v7"'`),
	)
	b.expect(`[...document.querySelectorAll("#relations .rel")].map(e => e.dataset.kind + ":" + e.dataset.pillars).join(" ")`,
		"천간합:day hour 육합:year hour 육합:day hour 방합:year month hour 방합:month day hour 형:year day")
	// Each line runs under the columns it joins: 천간합 of 일주 and 시주
	// from the 시주 column to the 일주 column, 丁 and 壬 on them.
	b.expect(`[...document.querySelectorAll("#relations .rel")[0].querySelectorAll(".rel-dot")].map(e => e.textContent).join("")`, "壬丁")
	b.expect(`(() => {
		const dots = document.querySelectorAll("#relations .rel")[0].querySelectorAll(".rel-dot");
		const heads = document.querySelectorAll("#chart .colhead");
		const mid = (e) => { const r = e.getBoundingClientRect(); return (r.left + r.right) / 2 };
		return Math.abs(mid(dots[0]) - mid(heads[1])) < 2 && Math.abs(mid(dots[1]) - mid(heads[0])) < 2;
	})()`, "true")

	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", shot)

	// On a 360 px phone: nothing wider than the screen, the chart's four
	// columns and the relations' dots still aligned, and the 대운 a row
	// that scrolls, showing its first pillars at the right.
	step("a 360 px phone", chromedp.EmulateViewport(360, 780, chromedp.EmulateScale(2)))
	b.expect(`document.documentElement.scrollWidth <= 360`, "true")
	b.expect(`(() => { const r = document.querySelector("#chart").getBoundingClientRect(); return r.left >= 0 && r.right <= 360 })()`, "true")
	b.expect(`(() => {
		const dots = document.querySelectorAll("#relations .rel")[0].querySelectorAll(".rel-dot");
		const heads = document.querySelectorAll("#chart .colhead");
		const mid = (e) => { const r = e.getBoundingClientRect(); return (r.left + r.right) / 2 };
		return Math.abs(mid(dots[0]) - mid(heads[1])) < 2 && Math.abs(mid(dots[1]) - mid(heads[0])) < 2;
	})()`, "true")
	b.expect(`(() => { const l = document.querySelector("#luck"); return l.scrollWidth > l.clientWidth })()`, "true")
	b.expect(`(() => {
		const l = document.querySelector("#luck").getBoundingClientRect();
		const first = document.querySelector("#luck .luck-pillar[data-index='1']").getBoundingClientRect();
		return first.left >= l.left && first.right <= l.right + 1;
	})()`, "true")
	phone, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	phoneShot := strings.TrimSuffix(shot, ".png") + "-360.png"
	if err := os.WriteFile(phoneShot, phone, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot at 360 px: %s", phoneShot)
	card, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS("#result")))
	if err != nil {
		t.Fatal(err)
	}
	cardShot := strings.TrimSuffix(shot, ".png") + "-360-chart.png"
	if err := os.WriteFile(cardShot, card, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("the chart at 360 px: %s", cardShot)

	step("back to the desktop", chromedp.EmulateViewport(1360, 1000))
	// Issue 12: a lunar leap-month birth at 10:30 in Seoul, 야자시. Lunar
	// 1990 윤5월 15 is 1990-07-07 (lunar.tsv): 경오 임오 계유 정사; 10:30 at
	// 126.98° E is 09:53 true solar time, still 사시.
	step("create a lunar leap-month birth with minute, birthplace and school",
		chromedp.SetValue(chromedp.CSS(`#create-form [name="name"]`), "박서준"),
		chromedp.SetValue(chromedp.CSS(`#create-form [name="external_id"]`), "user_2"),
		chromedp.Click(chromedp.CSS(`#create-form [name="calendar"][value="lunar"]`)),
		chromedp.Click(chromedp.CSS(`#create-form [name="is_leap_month"]`)),
		chromedp.SetValue(chromedp.CSS(`#create-form [name="birth_minute"]`), "30"),
		chromedp.SetValue(chromedp.CSS(`#create-form [name="place"]`), "126.98"),
		chromedp.SetValue(chromedp.CSS(`#create-form [name="day_boundary"]`), "jasi"),
		chromedp.Click(chromedp.CSS("#create-btn")),
		poll(`document.querySelector("#conventions").dataset.calendar === "lunar" && state.profile.id !== "`+id+`"`),
	)
	b.expect(`[...document.querySelectorAll("#chart .cell .big")].map(e => e.textContent).join("")`, "정계임경사유오오")
	b.expect(`state.profile.calendar + " " + state.profile.day_boundary`, "lunar jasi")
	for _, want := range []string{"음력", "야자시", "진태양시 서울 126.98°E"} {
		b.expect(`document.querySelector("#conventions").textContent.includes(`+fmt.Sprintf("%q", want)+`)`, "true")
	}
	b.expect(`document.querySelector("#profile").textContent.includes("lunar")`, "true")

	step("PUT only the school",
		chromedp.SetValue(chromedp.CSS(field("day_boundary")), "midnight"),
		save("day_boundary"),
		poll(`document.querySelector("#conventions").dataset.dayBoundary === "midnight"`),
	)
	b.expect(`document.querySelector("#conventions").textContent.includes("자정 기준")`, "true")

	step("a free longitude out of range is the API's error",
		chromedp.SetValue(chromedp.CSS(field("birth_longitude")), "other"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('form.field[data-field="birth_longitude"] [name="value"]').dispatchEvent(new Event("change"))`),
		chromedp.SetValue(chromedp.CSS(`form.field[data-field="birth_longitude"] [name="other"]`), "135"),
		save("birth_longitude"),
		poll(`!document.querySelector("#error").hidden`),
	)
	b.expect(`document.querySelector("#error .error-title").textContent`, "400 validation_error · birth_longitude")

	step("a leap-month date switched to solar with the flag clear",
		chromedp.SetValue(chromedp.CSS(field("calendar")), "solar"),
		save("calendar"),
		poll(`document.querySelector("#conventions").dataset.calendar === "solar"`),
	)
	// 1990-05-15 10:30 at 126.98° E: 경오 신사 경진 신사.
	b.expect(`[...document.querySelectorAll("#chart .cell .big")].map(e => e.textContent).join("")`, "신경신경사진사오")

	// On common phones (390 and 360 px) every control of the forms stays on
	// the screen, nothing is wider than it, the chart's year column (the
	// rightmost) is whole inside the chart, and the hour boxes stay usable.
	for _, w := range []int{390, 360} {
		step(fmt.Sprintf("a %d px phone", w), chromedp.EmulateViewport(int64(w), 780))
		b.expect(fmt.Sprintf(`[...document.querySelectorAll("#create-form input, #create-form select, #create-form button, #edit form.field > *, #edit .actions button")]
			.filter(e => e.offsetParent !== null && !e.hidden)
			.filter(e => e.getBoundingClientRect().right > %d.5 || e.getBoundingClientRect().left < 0).map(e => e.name || e.tagName).join(",")`, w), "")
		b.expect(fmt.Sprintf(`document.documentElement.scrollWidth <= %d`, w), "true") // nothing, the chart included, runs off the side
		b.expect(fmt.Sprintf(`[...document.querySelectorAll("body *")].filter(e => e.offsetParent !== null && e.getBoundingClientRect().right > %d.5 && !e.closest("#luck")).map(e => e.tagName + "." + e.className).join(",")`, w), "")
		b.expect(fmt.Sprintf(`(() => {
			const chart = document.querySelector("#chart").getBoundingClientRect();
			const year = [...document.querySelectorAll("#chart > *")].filter((e, i) => i %% 5 === 4);
			const heads = year.map(e => e.textContent).slice(0, 1).join("");
			const whole = year.every(e => { const r = e.getBoundingClientRect(); return r.width >= 40 && r.left >= chart.left && r.right <= chart.right && r.right <= %d && e.scrollWidth <= e.clientWidth + 1 });
			return heads + " " + year.length + " " + whole;
		})()`, w), "年柱연주year 10 true")
		// The edit form's hour box (and the create form's) wide enough to
		// tap and to show "23" and its placeholder, not squeezed to ~20 px.
		b.expect(`(() => {
			const w = (sel) => document.querySelector(sel).getBoundingClientRect().width;
			const edit = w('`+field("birth_hour")+`'), minute = w('`+field("birth_minute")+`'), create = w('#create-form [name="birth_hour"]');
			const calendar = w('`+field("calendar")+`'); // "양력 solar" whole
			return edit >= 64 && minute >= 64 && create >= 44 && calendar >= 100 ? "ok" : "hour " + edit + ", minute " + minute + ", create " + create + ", calendar " + calendar;
		})()`, "ok")
	}
	step("back to the desktop", chromedp.EmulateViewport(1360, 1000))
	lunarID := b.eval(`state.profile.id`)
	b.expect(`document.querySelector('`+field("calendar")+`').getBoundingClientRect().width >= 100`, "true")

	// The weakest element is marked by a box and a tag, not a wavy
	// underline that reads as a spell-check mark.
	b.expect(`(() => { const s = getComputedStyle(document.querySelector("#elements .bar.weakest .name")); return s.textDecorationLine + " " + s.borderTopStyle })()`, "none solid")

	// A network error: no answer, so none of the previous answer's
	// headers stay in the panel.
	step("a network error",
		chromedp.SetValue(chromedp.CSS("#base"), deadOrigin),
		chromedp.SetValue(chromedp.CSS(`#load-form [name="ref"]`), "user_2"),
		chromedp.Click(chromedp.CSS(`#load-form button`)),
		poll(`document.querySelector("#status").textContent.includes("network error")`),
	)
	b.expect(`["#h-request-id", "#h-location", "#h-etag", "#h-limit", "#h-remaining", "#h-reset", "#h-retry"].map(s => document.querySelector(s)?.textContent).join("")`, "———————")
	b.expect(`document.querySelector("#body").textContent.includes("요청")||document.querySelector("#body").textContent.includes("no response")`, "true")

	// A 429 says how many seconds to wait: the key of burst one, twice
	// (its account has no user_2: a 404, then the 429).
	step("a 429 shows the Retry-After seconds",
		chromedp.SetValue(chromedp.CSS("#base"), apiOrigin),
		chromedp.SetValue(chromedp.CSS("#key"), slowKey),
		chromedp.Click(chromedp.CSS(`#load-form button`)),
		poll(`document.querySelector("#status").textContent.startsWith("404")`),
		chromedp.Click(chromedp.CSS(`#load-form button`)),
		poll(`document.querySelector("#status").textContent.startsWith("429")`),
		chromedp.SetValue(chromedp.CSS("#key"), key),
	)
	retry := b.eval(`document.querySelector("#h-retry").textContent`)
	if n, err := fmt.Sscan(retry, new(int)); n != 1 || err != nil {
		t.Errorf("Retry-After shown as %q", retry)
	}
	b.expect(`document.querySelector("#error .error-hint")?.textContent`, retry+"초 후 다시 시도하세요 · retry in "+retry+" s (Retry-After: "+retry+")")

	// A 412 (the profile changed elsewhere since the page loaded it) says
	// to reload, and its button does.
	apiPut(t, apiOrigin, key, lunarID, `{"gender":"male"}`)
	step("a stale ETag: 412, reload, save",
		chromedp.SetValue(chromedp.CSS(field("external_id")), "user_3"),
		save("external_id"),
		poll(`document.querySelector("#status").textContent.startsWith("412")`),
	)
	b.expect(`(() => { const h = document.querySelector("#error .error-hint")?.textContent || ""; return h.includes("다시 불러오") && h.includes("reload") })()`, "true")
	b.shot(chromedp.CSS("#last"), strings.TrimSuffix(shot, ".png")+"-412.png")
	staleETag := b.eval(`state.etag`)
	step("reload after the 412",
		chromedp.Click(chromedp.CSS("#error #reload")),
		poll(`state.etag !== '`+staleETag+`' && document.querySelector("#error").hidden`),
		save("external_id"),
		poll(`state.profile.external_id === "user_3"`),
	)
	b.expect(`state.profile.gender`, "male")

	// Delete asks first: the first click only shows the confirmation.
	step("delete asks", chromedp.Click(chromedp.CSS("#delete")))
	b.expect(`!!state.profile && document.querySelector("#delete-confirm")?.hidden === false && document.querySelector("#delete").hidden`, "true")
	if code := apiStatus(t, apiOrigin, key, lunarID); code != 200 {
		t.Errorf("after the first click on Delete the profile answers %d, want 200", code)
	}
	b.shot(chromedp.CSS("#edit .actions"), strings.TrimSuffix(shot, ".png")+"-delete.png")
	step("cancel", chromedp.Click(chromedp.CSS("#delete-no")))
	b.expect(`document.querySelector("#delete-confirm")?.hidden === true && !document.querySelector("#delete").hidden && !!state.profile`, "true")
	step("delete, confirmed",
		chromedp.Click(chromedp.CSS("#delete")),
		chromedp.Click(chromedp.CSS("#delete-yes")),
		poll(`document.querySelector("#edit").hidden && state.profile === null`),
	)
	b.expect(`document.querySelector("#status").textContent`, "204 No Content DELETE /v1/profiles/"+lunarID)
	if code := apiStatus(t, apiOrigin, key, lunarID); code != 404 {
		t.Errorf("after the confirmed delete the profile answers %d, want 404", code)
	}

	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Errorf("page: %s", p)
	}
}

// browser evaluates expressions in the page.
type browser struct {
	t   *testing.T
	ctx context.Context
}

// eval returns the value of a JavaScript expression as a string (of a
// promise, the value it resolves to).
func (b *browser) eval(expr string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[any](expr, chromedp.EvalAwaitPromise)) // a promise's value
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

func (b *browser) expect(expr, want string) {
	b.t.Helper()
	if got := b.eval(expr); got != want {
		b.t.Errorf("%s\n  = %q\n  want %q", expr, got, want)
	}
}

// shot saves a screenshot of one element (the 412's hint, the delete
// confirmation), for a look at states the full-page shots do not show.
func (b *browser) shot(sel chromedp.CSS, file string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.Screenshot(sel))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", file, err)
	}
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: %s", file)
}

func (b *browser) fail(step string, err error, shot string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	panel, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#last").innerText`))
	if png, serr := chromedp.Run(ctx, chromedp.FullScreenshot(100)); serr == nil {
		if os.WriteFile(shot, png, 0o644) == nil {
			b.t.Logf("screenshot of the failure: %s", shot)
		}
	}
	b.t.Fatalf("%s: %v\nlast response panel:\n%s", step, err, panel)
}

// apiPut changes a profile behind the page's back.
func apiPut(t *testing.T, origin, key, id, body string) {
	t.Helper()
	req, err := http.NewRequest("PUT", origin+"/v1/profiles/"+id, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-API-Key", key)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("PUT %s: %d", id, res.StatusCode)
	}
}

// apiStatus is the status of GET /v1/profiles/{id}.
func apiStatus(t *testing.T, origin, key, id string) int {
	t.Helper()
	req, err := http.NewRequest("GET", origin+"/v1/profiles/"+id, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-API-Key", key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// apiHour asks the API directly for the hour pillar of a profile, as JSON.
func apiHour(t *testing.T, origin, key, id string) string {
	t.Helper()
	req, err := http.NewRequest("GET", origin+"/v1/profiles/"+id+"/saju", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-API-Key", key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var s struct {
		Pillars struct {
			Hour json.RawMessage `json:"hour"`
		} `json:"pillars"`
	}
	if err := json.NewDecoder(res.Body).Decode(&s); err != nil || res.StatusCode != 200 {
		t.Fatalf("GET saju: %d %v", res.StatusCode, err)
	}
	return string(s.Pillars.Hour)
}
