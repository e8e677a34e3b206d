/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmdmon_src.c - the per-source records of the command socket [core]: SOURCES, NTPDATA and
 * AUTHDATA codecs, and the conversions from the sync engine's source reports.
 *
 * Same rules as cmdmon_wire.c (layout in cmdmon_proto.h): every field read and written
 * byte by byte, every length and value checked.  No I/O, no system calls, no allocation.
 */
#include "cmdmon_int.h"

/* The name field: printable ASCII, then NUL bytes to the end of the field (so each name
   has exactly one encoding and a client can print it without escaping). */
static int valid_name_char(char c)
{
  return c >= 0x20 && c < 0x7f;
}

static int put_name(uint8_t *p, const char *name)
{
  size_t i;

  memset(p, 0, CMP_SOURCE_NAME_LEN);
  for (i = 0; i < CMP_SOURCE_NAME_LEN - 1 && name[i] != '\0'; i++) {
    if (!valid_name_char(name[i])) {
      return 0;
    }
    p[i] = (uint8_t)name[i];
  }
  /* Longer than the field: refuse rather than cut silently (CMW_SourceFromReport cuts). */
  return i < CMP_SOURCE_NAME_LEN - 1 || name[i] == '\0';
}

static int get_name(const uint8_t *p, char *name)
{
  size_t i, n;

  for (n = 0; n < CMP_SOURCE_NAME_LEN && p[n] != 0; n++) {
    if (!valid_name_char((char)p[n])) {
      return 0;
    }
  }
  if (n == CMP_SOURCE_NAME_LEN) {
    return 0; /* no terminating NUL */
  }
  for (i = n; i < CMP_SOURCE_NAME_LEN; i++) {
    if (p[i] != 0) {
      return 0;
    }
  }
  memcpy(name, p, n);
  memset(name + n, 0, CMP_SOURCE_NAME_LEN - n);
  return 1;
}

static int valid_source(const CMW_Source *s)
{
  return s->mode < CMP_SRC_MODE_COUNT && s->state < CMP_SRC_ST_COUNT && s->leap <= 3 &&
         (s->flags & ~CMP_SRC_F_ALL) == 0;
}

static int put_source(uint8_t *r, const CMW_Source *s)
{
  const double d[CMP_SRC_N_DOUBLES] = {
      s->last_rx_ago, s->last_offset, s->last_offset_measured, s->last_error, s->span,
      s->freq_ppm, s->skew_ppm, s->offset, s->std_dev, s->distance, s->delay,
      s->root_delay, s->root_dispersion};
  size_t i;

  if (!valid_source(s) || !put_name(r + CMP_SRC_NAME, s->name) ||
      !put_addr(r + CMP_SRC_ADDR, &s->addr)) {
    return 0;
  }
  put16(r + CMP_SRC_PORT, s->port);
  r[CMP_SRC_MODE] = s->mode;
  r[CMP_SRC_STATE] = s->state;
  r[CMP_SRC_STRATUM] = s->stratum;
  r[CMP_SRC_POLL] = (uint8_t)s->poll;
  r[CMP_SRC_REACH] = s->reach;
  r[CMP_SRC_LEAP] = s->leap;
  r[CMP_SRC_FLAGS] = s->flags;
  put16(r + CMP_SRC_N_SAMPLES, s->n_samples);
  put16(r + CMP_SRC_N_RUNS, s->n_runs);
  put32(r + CMP_SRC_REF_ID, s->ref_id);
  put64(r + CMP_SRC_TX, s->tx);
  put64(r + CMP_SRC_RX_SAMPLES, s->rx_samples);
  put64(r + CMP_SRC_RX_OTHER, s->rx_other);
  for (i = 0; i < CMP_SRC_N_DOUBLES; i++) {
    put_double(r + CMP_SRC_DOUBLES + 8 * i, d[i]);
  }
  return 1;
}

static CMW_Result get_source(const uint8_t *r, CMW_Source *s)
{
  double d[CMP_SRC_N_DOUBLES];
  size_t i;

  if (!get_name(r + CMP_SRC_NAME, s->name) || !get_addr(r + CMP_SRC_ADDR, &s->addr)) {
    return CMW_ERR_VALUE;
  }
  s->port = get16(r + CMP_SRC_PORT);
  s->mode = r[CMP_SRC_MODE];
  s->state = r[CMP_SRC_STATE];
  s->stratum = r[CMP_SRC_STRATUM];
  s->poll = (int8_t)r[CMP_SRC_POLL];
  s->reach = r[CMP_SRC_REACH];
  s->leap = r[CMP_SRC_LEAP];
  s->flags = r[CMP_SRC_FLAGS];
  if (!valid_source(s)) {
    return CMW_ERR_VALUE;
  }
  s->n_samples = get16(r + CMP_SRC_N_SAMPLES);
  s->n_runs = get16(r + CMP_SRC_N_RUNS);
  s->ref_id = get32(r + CMP_SRC_REF_ID);
  s->tx = get64(r + CMP_SRC_TX);
  s->rx_samples = get64(r + CMP_SRC_RX_SAMPLES);
  s->rx_other = get64(r + CMP_SRC_RX_OTHER);
  for (i = 0; i < CMP_SRC_N_DOUBLES; i++) {
    if (!get_double(r + CMP_SRC_DOUBLES + 8 * i, &d[i])) {
      return CMW_ERR_VALUE;
    }
  }
  s->last_rx_ago = d[0];
  s->last_offset = d[1];
  s->last_offset_measured = d[2];
  s->last_error = d[3];
  s->span = d[4];
  s->freq_ppm = d[5];
  s->skew_ppm = d[6];
  s->offset = d[7];
  s->std_dev = d[8];
  s->distance = d[9];
  s->delay = d[10];
  s->root_delay = d[11];
  s->root_dispersion = d[12];
  return CMW_OK;
}

int CMW_PutSourcesPage(uint8_t *b, const CMW_SourcesPage *p)
{
  size_t i;

  if (p->count > CMP_SOURCES_PER_PAGE) {
    return 0;
  }
  put32(b + CMP_SRCS_TOTAL, p->total);
  put32(b + CMP_SRCS_START, p->start);
  put32(b + CMP_SRCS_COUNT, p->count);
  for (i = 0; i < p->count; i++) {
    if (!put_source(b + CMP_SRCS_RECORDS + CMP_SOURCE_REC_LEN * i, &p->sources[i])) {
      return 0;
    }
  }
  return 1;
}

CMW_Result CMW_GetSourcesPage(const uint8_t *b, CMW_SourcesPage *p)
{
  CMW_Result r;
  size_t i;

  p->total = get32(b + CMP_SRCS_TOTAL);
  p->start = get32(b + CMP_SRCS_START);
  p->count = get32(b + CMP_SRCS_COUNT);
  if (p->count > CMP_SOURCES_PER_PAGE) {
    return CMW_ERR_VALUE;
  }
  for (i = 0; i < p->count; i++) {
    r = get_source(b + CMP_SRCS_RECORDS + CMP_SOURCE_REC_LEN * i, &p->sources[i]);
    if (r != CMW_OK) {
      return r;
    }
  }
  return CMW_OK;
}


int CMW_PutNtpData(uint8_t *b, const CMW_Reply *rep)
{
  const CMW_NtpData *d = &rep->u.ntpdata.data;
  const double v[CMP_NTPD_N_DOUBLES] = {d->offset, d->delay, d->dispersion, d->root_delay,
                                        d->root_dispersion, d->last_rx_ago, d->jitter};
  uint8_t *r = b + CMP_NTPD_RECORD;
  size_t i;

  if (rep->u.ntpdata.count > 1) {
    return 0;
  }
  put32(b + CMP_NTPD_TOTAL, rep->u.ntpdata.total);
  put32(b + CMP_NTPD_INDEX, rep->u.ntpdata.index);
  put32(b + CMP_NTPD_COUNT, rep->u.ntpdata.count);
  if (rep->u.ntpdata.count == 0) {
    return 1;   /* the record stays zero */
  }
  if (d->leap > 3 || (d->flags & ~CMP_NTPD_F_ALL) != 0 ||
      !put_addr(r + CMP_NTPD_REMOTE, &d->remote) || !put_addr(r + CMP_NTPD_LOCAL, &d->local) ||
      !put_name(r + CMP_NTPD_NAME, d->name)) {
    return 0;
  }
  put16(r + CMP_NTPD_REMOTE_PORT, d->remote_port);
  put16(r + CMP_NTPD_LOCAL_PORT, d->local_port);
  r[CMP_NTPD_LEAP] = d->leap;
  r[CMP_NTPD_MODE] = d->mode;
  r[CMP_NTPD_STRATUM] = d->stratum;
  r[CMP_NTPD_POLL] = (uint8_t)d->poll;
  r[CMP_NTPD_FLAGS] = d->flags;
  put32(r + CMP_NTPD_REF_ID, d->ref_id);
  put64(r + CMP_NTPD_TX, d->tx);
  for (i = 0; i < CMP_NTPD_N_RX; i++) {
    put64(r + CMP_NTPD_RX + 8 * i, d->rx[i]);
  }
  for (i = 0; i < CMP_NTPD_N_DOUBLES; i++) {
    put_double(r + CMP_NTPD_DOUBLES + 8 * i, v[i]);
  }
  return 1;
}

CMW_Result CMW_GetNtpData(const uint8_t *b, CMW_Reply *rep)
{
  CMW_NtpData *d = &rep->u.ntpdata.data;
  const uint8_t *r = b + CMP_NTPD_RECORD;
  double v[CMP_NTPD_N_DOUBLES];
  size_t i;

  rep->u.ntpdata.total = get32(b + CMP_NTPD_TOTAL);
  rep->u.ntpdata.index = get32(b + CMP_NTPD_INDEX);
  rep->u.ntpdata.count = get32(b + CMP_NTPD_COUNT);
  if (rep->u.ntpdata.count > 1) {
    return CMW_ERR_VALUE;
  }
  if (rep->u.ntpdata.count == 0) {
    return CMW_OK;
  }
  if (!get_addr(r + CMP_NTPD_REMOTE, &d->remote) || !get_addr(r + CMP_NTPD_LOCAL, &d->local) ||
      !get_name(r + CMP_NTPD_NAME, d->name)) {
    return CMW_ERR_VALUE;
  }
  d->remote_port = get16(r + CMP_NTPD_REMOTE_PORT);
  d->local_port = get16(r + CMP_NTPD_LOCAL_PORT);
  d->leap = r[CMP_NTPD_LEAP];
  d->mode = r[CMP_NTPD_MODE];
  d->stratum = r[CMP_NTPD_STRATUM];
  d->poll = (int8_t)r[CMP_NTPD_POLL];
  d->flags = r[CMP_NTPD_FLAGS];
  if (d->leap > 3 || (d->flags & ~CMP_NTPD_F_ALL) != 0) {
    return CMW_ERR_VALUE;
  }
  d->ref_id = get32(r + CMP_NTPD_REF_ID);
  d->tx = get64(r + CMP_NTPD_TX);
  for (i = 0; i < CMP_NTPD_N_RX; i++) {
    d->rx[i] = get64(r + CMP_NTPD_RX + 8 * i);
  }
  for (i = 0; i < CMP_NTPD_N_DOUBLES; i++) {
    if (!get_double(r + CMP_NTPD_DOUBLES + 8 * i, &v[i])) {
      return CMW_ERR_VALUE;
    }
  }
  d->offset = v[0];
  d->delay = v[1];
  d->dispersion = v[2];
  d->root_delay = v[3];
  d->root_dispersion = v[4];
  d->last_rx_ago = v[5];
  d->jitter = v[6];
  return CMW_OK;
}


/* ---- sources: letters, names, conversions ---- */

static const struct {
  char letter;
  char column;
  const char *name;
} source_states[CMP_SRC_ST_COUNT] = {
    [CMP_SRC_ST_NONE] = {'?', '?', "none"},
    [CMP_SRC_ST_NOSELECT] = {'N', '?', "noselect"},
    [CMP_SRC_ST_MISSING] = {'M', '?', "missing"},
    [CMP_SRC_ST_UNSYNC] = {'s', '?', "unsynchronised"},
    [CMP_SRC_ST_DISTANCE] = {'d', '?', "distance"},
    [CMP_SRC_ST_JITTER] = {'~', '~', "jittery"},
    [CMP_SRC_ST_WAITING] = {'W', '?', "waiting"},
    [CMP_SRC_ST_FALSETICKER] = {'x', 'x', "falseticker"},
    [CMP_SRC_ST_OUTLIER] = {'-', '-', "outlier"},
    [CMP_SRC_ST_COMBINED] = {'+', '+', "combined"},
    [CMP_SRC_ST_SELECTED] = {'*', '*', "selected"},
};

char CMW_SourceStateChar(uint8_t state)
{
  return state < CMP_SRC_ST_COUNT ? source_states[state].letter : '?';
}

char CMW_SourceColumnChar(uint8_t state)
{
  return state < CMP_SRC_ST_COUNT ? source_states[state].column : '?';
}

const char *CMW_SourceStateName(uint8_t state)
{
  return state < CMP_SRC_ST_COUNT ? source_states[state].name : "unknown";
}

char CMW_SourceModeChar(uint8_t mode)
{
  switch (mode) {
  case CMP_SRC_MODE_SERVER:
    return '^';
  case CMP_SRC_MODE_PEER:
    return '=';
  case CMP_SRC_MODE_REFCLOCK:
    return '#';
  default:
    return '?';
  }
}

void CMW_ActivityAdd(CMW_Activity *a, const CMW_Source *s)
{
  int online = (s->flags & CMP_SRC_F_ONLINE) != 0;

  if (s->addr.family == ADDR_UNSPEC) {
    a->unresolved++;
  } else if (s->flags & CMP_SRC_F_BURST) {
    if (online) {
      a->burst_online++;
    } else {
      a->burst_offline++;
    }
  } else if (online) {
    a->online++;
  } else {
    a->offline++;
  }
}

void CMW_SourceFromReport(const SYN_SourceReport *r, CMW_Source *out)
{
  const NSC_Sample *ls = &r->ntp.last_sample;
  uint64_t other = 0;
  size_t i;

  memset(out, 0, sizeof(*out));
  for (i = 0; i < CMP_SOURCE_NAME_LEN - 1 && i < sizeof(r->name) && r->name[i] != '\0'; i++) {
    out->name[i] = valid_name_char(r->name[i]) ? r->name[i] : '?';
  }
  out->addr = r->addr;
  if (out->addr.family != ADDR_INET4 && out->addr.family != ADDR_INET6) {
    memset(&out->addr, 0, sizeof(out->addr));
  }
  out->port = r->port;
  out->mode = CMP_SRC_MODE_SERVER;
  out->state = (unsigned)r->status < CMP_SRC_ST_COUNT ? (uint8_t)r->status : CMP_SRC_ST_NONE;
  out->stratum = clamp_u8(r->stratum);
  out->poll = (int8_t)(r->poll < INT8_MIN ? INT8_MIN : r->poll > INT8_MAX ? INT8_MAX : r->poll);
  out->reach = r->reach;
  out->leap = r->ntp.have_last && ls->leap >= 0 && ls->leap <= 3 ? (uint8_t)ls->leap : 3;
  out->flags = (uint8_t)((r->ntp.online ? CMP_SRC_F_ONLINE : 0) |
                         (r->ntp.burst_left > 0 ? CMP_SRC_F_BURST : 0) |
                         (r->prefer ? CMP_SRC_F_PREFER : 0) |
                         (r->noselect ? CMP_SRC_F_NOSELECT : 0) |
                         (r->trust ? CMP_SRC_F_TRUST : 0) |
                         (r->require ? CMP_SRC_F_REQUIRE : 0) |
                         (r->ntp.stopped_by_kod ? CMP_SRC_F_KOD_STOP : 0));
  out->n_samples = clamp_u16(r->n_samples);
  out->n_runs = clamp_u16(r->n_runs);
  out->ref_id = r->ntp.have_last ? ls->ref_id : 0;
  out->tx = r->ntp.tx;
  out->rx_samples = r->ntp.rx[NSC_RX_SAMPLE];
  for (i = 0; i < NSC_RX_COUNT; i++) {
    if (i != NSC_RX_SAMPLE) {
      other += r->ntp.rx[i];
    }
  }
  out->rx_other = other;
  out->last_rx_ago = finite_or_zero(r->last_rx_ago);
  out->last_offset = finite_or_zero(r->last_offset);
  out->last_offset_measured = finite_or_zero(r->last_offset_measured);
  out->last_error = finite_or_zero(r->last_error);
  out->span = finite_or_zero(r->span);
  out->freq_ppm = finite_or_zero(r->freq_ppm);
  out->skew_ppm = finite_or_zero(r->skew_ppm);
  out->offset = finite_or_zero(r->offset);
  out->std_dev = finite_or_zero(r->std_dev);
  if (r->ntp.have_last) {
    out->delay = finite_or_zero(ls->delay);
    out->root_delay = finite_or_zero(ls->root_delay);
    out->root_dispersion = finite_or_zero(ls->root_dispersion);
    /* RFC 5905 §11.2 root distance of the source as seen through us: half the total
       round trip plus every dispersion, plus the jitter of its samples. */
    out->distance = finite_or_zero((ls->root_delay + ls->delay) / 2.0 + ls->root_dispersion +
                                   ls->dispersion + out->std_dev);
  }
}


void CMW_NtpDataFromReport(const SYN_SourceReport *r, CMW_NtpData *out)
{
  const NSC_Sample *ls = &r->ntp.last_sample;
  size_t i;

  memset(out, 0, sizeof(*out));
  for (i = 0; i < CMP_SOURCE_NAME_LEN - 1 && i < sizeof(r->name) && r->name[i] != '\0'; i++) {
    out->name[i] = valid_name_char(r->name[i]) ? r->name[i] : '?';
  }
  if (r->addr.family == ADDR_INET4 || r->addr.family == ADDR_INET6) {
    out->remote = r->addr;
  }
  out->remote_port = r->port;
  out->poll = (int8_t)(r->poll < INT8_MIN ? INT8_MIN : r->poll > INT8_MAX ? INT8_MAX : r->poll);
  out->flags = (uint8_t)((r->ntp.have_last ? CMP_NTPD_F_HAVE_SAMPLE : 0) |
                         (r->ntp.online ? CMP_NTPD_F_ONLINE : 0) |
                         (r->ntp.stopped_by_kod ? CMP_NTPD_F_KOD_STOP : 0));
  out->tx = r->ntp.tx;
  for (i = 0; i < CMP_NTPD_N_RX; i++) {
    out->rx[i] = r->ntp.rx[i];
  }
  out->leap = 3;
  out->last_rx_ago = -1.0;
  out->jitter = finite_or_zero(r->std_dev);
  if (r->ntp.have_last) {
    out->leap = ls->leap >= 0 && ls->leap <= 3 ? (uint8_t)ls->leap : 3;
    out->mode = 4;   /* only server responses are accepted (RFC 5905 §8) */
    out->stratum = clamp_u8(ls->stratum);
    out->ref_id = ls->ref_id;
    out->offset = finite_or_zero(-ls->offset);
    out->delay = finite_or_zero(ls->delay);
    out->dispersion = finite_or_zero(ls->dispersion);
    out->root_delay = finite_or_zero(ls->root_delay);
    out->root_dispersion = finite_or_zero(ls->root_dispersion);
    out->last_rx_ago = finite_or_zero(r->last_rx_ago);
  }
}

const char *CMW_NtpRxName(size_t i)
{
  static const char *const names[CMP_NTPD_N_RX] = {
      [CMP_NTPD_RX_SAMPLE] = "valid",          [CMP_NTPD_RX_KOD_RATE] = "kod_rate",
      [CMP_NTPD_RX_KOD_STOP] = "kod_stop",     [CMP_NTPD_RX_UNSYNC] = "unsynchronised",
      [CMP_NTPD_RX_DELAY] = "over_maxdelay",   [CMP_NTPD_RX_BOGUS] = "bogus",
      [CMP_NTPD_RX_DUPLICATE] = "duplicate",   [CMP_NTPD_RX_MALFORMED] = "malformed",
  };

  return i < CMP_NTPD_N_RX ? names[i] : NULL;
}


/* ---- AUTHDATA ---- */

/* A text field of n bytes (name, error): printable ASCII, NUL-terminated, zero-padded. */
static int put_text(uint8_t *p, const char *s, size_t n)
{
  size_t i;

  memset(p, 0, n);
  for (i = 0; i < n - 1 && s[i] != '\0'; i++) {
    if (!valid_name_char(s[i])) {
      return 0;
    }
    p[i] = (uint8_t)s[i];
  }
  return s[i] == '\0';
}

static int get_text(const uint8_t *p, char *s, size_t n)
{
  size_t i, len;

  for (len = 0; len < n && p[len] != 0; len++) {
    if (!valid_name_char((char)p[len])) {
      return 0;
    }
  }
  if (len == n) {
    return 0;
  }
  for (i = len; i < n; i++) {
    if (p[i] != 0) {
      return 0;
    }
  }
  memcpy(s, p, len);
  memset(s + len, 0, n - len);
  return 1;
}

/* Copy s into a field of n bytes, cut to n - 1, replacing unprintable bytes by '?'. */
static void copy_printable(char *out, size_t n, const char *s, size_t s_size)
{
  size_t i;

  memset(out, 0, n);
  for (i = 0; i < n - 1 && i < s_size && s[i] != '\0'; i++) {
    out[i] = valid_name_char(s[i]) ? s[i] : '?';
  }
}

static int valid_auth(const CMW_AuthData *d)
{
  return d->mode < CMP_AUTH_MODE_COUNT && d->ke_state < CMP_AUTH_KE_COUNT;
}

int CMW_PutAuthData(uint8_t *b, const CMW_Reply *rep)
{
  const CMW_AuthData *d = &rep->u.authdata.data;
  uint8_t *r = b + CMP_AUTH_RECORD;

  if (rep->u.authdata.count > 1) {
    return 0;
  }
  put32(b + CMP_AUTH_TOTAL, rep->u.authdata.total);
  put32(b + CMP_AUTH_INDEX, rep->u.authdata.index);
  put32(b + CMP_AUTH_COUNT, rep->u.authdata.count);
  if (rep->u.authdata.count == 0) {
    return 1;   /* the record stays zero */
  }
  if (!valid_auth(d) || !put_name(r + CMP_AUTH_NAME, d->name) ||
      !put_addr(r + CMP_AUTH_ADDR, &d->addr) ||
      !put_text(r + CMP_AUTH_ERROR, d->last_error, CMP_AUTH_ERROR_LEN) ||
      !put_name(r + CMP_AUTH_KE_SERVER, d->ke_server)) {
    return 0;
  }
  put16(r + CMP_AUTH_PORT, d->port);
  r[CMP_AUTH_MODE] = d->mode;
  r[CMP_AUTH_KE_STATE] = d->ke_state;
  put16(r + CMP_AUTH_AEAD, d->aead);
  put16(r + CMP_AUTH_COOKIES, d->cookies);
  put16(r + CMP_AUTH_COOKIE_LEN, d->cookie_len);
  put16(r + CMP_AUTH_KE_PORT, d->ke_port);
  put16(r + CMP_AUTH_NTP_PORT, d->ntp_port);
  put64(r + CMP_AUTH_KE_ATTEMPTS, d->ke_attempts);
  put64(r + CMP_AUTH_KE_FAILURES, d->ke_failures);
  put64(r + CMP_AUTH_NAKS, d->naks);
  put64(r + CMP_AUTH_AUTH_FAILURES, d->auth_failures);
  put_double(r + CMP_AUTH_LAST_KE_AGO, d->last_ke_ago);
  return 1;
}

CMW_Result CMW_GetAuthData(const uint8_t *b, CMW_Reply *rep)
{
  CMW_AuthData *d = &rep->u.authdata.data;
  const uint8_t *r = b + CMP_AUTH_RECORD;

  rep->u.authdata.total = get32(b + CMP_AUTH_TOTAL);
  rep->u.authdata.index = get32(b + CMP_AUTH_INDEX);
  rep->u.authdata.count = get32(b + CMP_AUTH_COUNT);
  if (rep->u.authdata.count > 1) {
    return CMW_ERR_VALUE;
  }
  if (rep->u.authdata.count == 0) {
    return CMW_OK;
  }
  if (!get_name(r + CMP_AUTH_NAME, d->name) || !get_addr(r + CMP_AUTH_ADDR, &d->addr) ||
      !get_text(r + CMP_AUTH_ERROR, d->last_error, CMP_AUTH_ERROR_LEN) ||
      !get_name(r + CMP_AUTH_KE_SERVER, d->ke_server)) {
    return CMW_ERR_VALUE;
  }
  d->port = get16(r + CMP_AUTH_PORT);
  d->mode = r[CMP_AUTH_MODE];
  d->ke_state = r[CMP_AUTH_KE_STATE];
  if (!valid_auth(d)) {
    return CMW_ERR_VALUE;
  }
  d->aead = get16(r + CMP_AUTH_AEAD);
  d->cookies = get16(r + CMP_AUTH_COOKIES);
  d->cookie_len = get16(r + CMP_AUTH_COOKIE_LEN);
  d->ke_port = get16(r + CMP_AUTH_KE_PORT);
  d->ntp_port = get16(r + CMP_AUTH_NTP_PORT);
  d->ke_attempts = get64(r + CMP_AUTH_KE_ATTEMPTS);
  d->ke_failures = get64(r + CMP_AUTH_KE_FAILURES);
  d->naks = get64(r + CMP_AUTH_NAKS);
  d->auth_failures = get64(r + CMP_AUTH_AUTH_FAILURES);
  return get_double(r + CMP_AUTH_LAST_KE_AGO, &d->last_ke_ago) ? CMW_OK : CMW_ERR_VALUE;
}

void CMW_AuthDataFromReport(const SYN_SourceReport *r, CMW_AuthData *out)
{
  const SYN_NtsReport *n = &r->nts;

  memset(out, 0, sizeof(*out));
  copy_printable(out->name, sizeof(out->name), r->name, sizeof(r->name));
  if (r->addr.family == ADDR_INET4 || r->addr.family == ADDR_INET6) {
    out->addr = r->addr;
  }
  out->port = r->port;
  out->last_ke_ago = -1.0;
  if (!n->enabled) {
    out->mode = CMP_AUTH_MODE_NONE;
    return;
  }
  out->mode = CMP_AUTH_MODE_NTS;
  out->ke_state = n->ke_state >= 0 && n->ke_state < CMP_AUTH_KE_COUNT ? (uint8_t)n->ke_state
                                                                       : CMP_AUTH_KE_NONE;
  out->aead = n->aead;
  out->cookies = clamp_u16(n->n_cookies);
  out->cookie_len = clamp_u16(n->cookie_len);
  out->ke_port = n->ke_port;
  out->ntp_port = n->ntp_port;
  out->ke_attempts = n->ke_attempts;
  out->ke_failures = n->ke_failures;
  out->naks = n->naks;
  out->auth_failures = n->auth_failures;
  out->last_ke_ago = isfinite(n->last_ke_ago) && n->last_ke_ago >= 0.0 ? n->last_ke_ago : -1.0;
  copy_printable(out->last_error, sizeof(out->last_error), n->last_error,
                 sizeof(n->last_error));
  copy_printable(out->ke_server, sizeof(out->ke_server), n->ke_server, sizeof(n->ke_server));
}

const char *CMW_AuthKeStateName(uint8_t ke_state)
{
  static const char *const names[CMP_AUTH_KE_COUNT] = {
      [CMP_AUTH_KE_NONE] = "none", [CMP_AUTH_KE_RUNNING] = "running",
      [CMP_AUTH_KE_DONE] = "done", [CMP_AUTH_KE_FAILED] = "failed"};

  return ke_state < CMP_AUTH_KE_COUNT ? names[ke_state] : "?";
}

const char *CMW_AuthModeName(uint8_t mode)
{
  return mode == CMP_AUTH_MODE_NTS ? "NTS" : mode == CMP_AUTH_MODE_NONE ? "-" : "?";
}
