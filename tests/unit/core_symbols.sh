#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The core (libcore.a) must make no system calls: bytes, timestamps and `now` in, decisions
# out.  Every undefined symbol of the library must be on the allow-list below (pure library
# functions); the forbidden list names what must never appear, for a clearer message.
set -u
lib="${top_builddir:-.}/libcore.a"
[ -f "$lib" ] || { echo "core_symbols: $lib not built"; exit 1; }

forbidden='socket bind connect listen accept accept4 send sendto sendmsg sendmmsg recv recvfrom
recvmsg recvmmsg adjtimex ntp_adjtime clock_adjtime clock_gettime clock_settime gettimeofday
settimeofday time stime open open64 openat openat64 fopen fopen64 fdopen read write close ioctl
poll ppoll select epoll_wait getrandom syscall fork vfork execve execv execvp system shmget shmat
mmap unlink rename mkdir chmod chown printf fprintf puts fputs perror syslog getaddrinfo
nanosleep sleep usleep alarm signal sigaction kill exit _exit'

allowed='memcpy memmove memset memcmp memchr strlen strnlen strcmp strncmp strchr strrchr strstr
strspn strcspn strcasecmp strncasecmp strtol strtoul strtoll strtoull strtod strtof snprintf vsnprintf malloc calloc
realloc free strdup strndup qsort bsearch inet_pton inet_ntop __ctype_b_loc __ctype_tolower_loc
__ctype_toupper_loc tolower toupper isspace isdigit isalpha isalnum isxdigit __stack_chk_fail
__assert_fail abort __errno_location floor ceil fabs round lround llround trunc modf fmod ldexp
frexp log log2 exp exp2 pow sqrt nextafter fmax fmin fmaxf fminf isfinite __isoc99_sscanf __isoc23_sscanf sscanf
__isoc23_strtol __isoc23_strtoul __isoc23_strtoll __isoc23_strtoull __memcpy_chk __memset_chk
__snprintf_chk __vsnprintf_chk __strcpy_chk __fprintf_chk __printf_chk __fdelt_chk
__isnan __isinf __finite __fpclassify
gnutls_aead_cipher_init gnutls_aead_cipher_set_key gnutls_aead_cipher_encrypt
gnutls_aead_cipher_decrypt gnutls_aead_cipher_deinit gnutls_hmac_fast gnutls_hkdf_extract
gnutls_hkdf_expand'
# The gnutls_* entries are the NTS core's pure crypto (nts_cookie.c): AES-SIV-CMAC-256,
# HMAC-SHA256 and HKDF over caller memory.  No TLS session, socket, file or clock function
# of GnuTLS may appear here; those live in the shell (nts_ke.c).

# What one member of the archive needs from another is not outside input: drop the
# symbols the library defines itself.
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
nm --defined-only "$lib" 2>/dev/null | awk 'NF==3 {print $3}' | sort -u > "$tmp"
undef=$(nm -u "$lib" 2>/dev/null | awk 'NF>=2 && $1=="U" {print $2} NF==1 && $1 !~ /:$/ {print $1}' \
  | sed 's/@.*//' | sort -u | comm -23 - "$tmp")
bad=0
for s in $undef; do
  case " $(echo $forbidden) " in
    *" $s "*) echo "core_symbols: FORBIDDEN system call in libcore.a: $s"; bad=1; continue ;;
  esac
  case " $(echo $allowed) " in
    *" $s "*) ;;
    *) echo "core_symbols: libcore.a uses '$s', which is not on the pure-function allow-list"; bad=1 ;;
  esac
done
n=$(echo "$undef" | grep -c . || true)
if [ $bad -ne 0 ]; then
  echo "core_symbols: 0 passed, 1 failed"
  exit 1
fi
echo "core_symbols: $n undefined symbols, all pure library functions"
exit 0
