#!/usr/bin/env bash
# Installs the Debian packages the project needs on the host, only those missing (idempotent).
#   host-packages.sh stack   what running the stack needs (make up and the operator's targets)
#   host-packages.sh all     and what training, evaluation and the tests need (make test, make train)
#   add --list to print the packages instead of installing them.
# Stack: python3-venv (the venv, on Debian's interpreter), nginx + njs (the gateway), curl, docker.io + docker-compose (1.29) + debootstrap (the container
# stack and its offline base image). All: the training and evaluation faces (see ../shared/DATA-POLICY.md),
# Chromium (the web page and dashboard tests) and node (the routing script's unit tests).
set -euo pipefail
group="${1:-all}"
stack=(
  python3-venv
  nginx libnginx-mod-http-js
  curl
  docker.io docker-compose debootstrap
)
development=(
  fonts-noto-cjk fonts-wqy-microhei fonts-wqy-zenhei fonts-arphic-uming fonts-dejavu-core
  fonts-liberation fonts-urw-base35 fonts-lxgw-wenkai fonts-crosextra-caladea fonts-freefont-ttf
  fonts-dejavu-extra fonts-arphic-gkai00mp fonts-arphic-gbsn00lp fonts-texgyre fonts-crosextra-carlito
  fonts-sil-andika fonts-cabin fonts-cantarell fonts-comic-neue fonts-lato fonts-open-sans fonts-quicksand
  fonts-inconsolata fonts-comfortaa fonts-league-spartan fonts-fantasque-sans fonts-firacode fonts-jetbrains-mono
  fonts-noto-cjk-extra fonts-roboto-unhinted fonts-croscore fonts-noto-core fonts-inter fonts-go fonts-ebgaramond
  fonts-linuxlibertine fonts-hack fonts-ocr-b fonts-opendin fonts-courier-prime fonts-karla fonts-national-park
  fonts-roadgeek fonts-routed-gothic fonts-oldstandard fonts-play fonts-dosis fonts-manrope fonts-sora
  fonts-sil-charis fonts-junction fonts-babelstone-han fonts-cns11643-kai fonts-cns11643-sung fonts-unifont
  fonts-smiley-sans fonts-droid-fallback fonts-sil-gentium fonts-clear-sans fonts-mononoki
  fonts-paratype fonts-adf-accanthis fonts-adf-baskervald fonts-adf-berenis fonts-adf-gillius fonts-adf-ikarius
  fonts-adf-irianis fonts-adf-libris fonts-adf-oldania fonts-adf-romande fonts-adf-switzera fonts-adf-tribun
  fonts-adf-universalis fonts-adf-verana fonts-b612 fonts-cardo fonts-cmu fonts-jura fonts-oxygen fonts-quattrocento
  fonts-roboto-slab fonts-stix fonts-tiresias fonts-vollkorn fonts-anonymous-pro fonts-hermit fonts-monofur
  fonts-league-mono fonts-agave fonts-allerta fonts-averia-sans-gwf fonts-averia-serif-gwf fonts-fanwood
  fonts-goudybookletter fonts-junicode fonts-sil-doulos fonts-prociono fonts-yanone-kaffeesatz
  fonts-morisawa-bizud-gothic fonts-morisawa-bizud-mincho fonts-ipaexfont-gothic fonts-ipaexfont-mincho
  fonts-vlgothic fonts-mplus fonts-motoya-l-cedar fonts-motoya-l-maruberi fonts-horai-umefont
  fonts-sawarabi-gothic fonts-konatu fonts-dotgothic16 fonts-ipamj-mincho fonts-hanazono fonts-klee
  chromium chromium-driver chromium-l10n
  nodejs
)
case "$group" in
  stack) packages=("${stack[@]}") ;;
  all) packages=("${stack[@]}" "${development[@]}") ;;
  *) echo "usage: $0 stack|all [--list]" >&2; exit 2 ;;
esac
if [ "${2:-}" = "--list" ]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi
# Local mode run as root keeps only the masters root: the workers of nginx and gunicorn run as this user.
if [ "$(id -u)" -eq 0 ] && ! id -u ocr-canary >/dev/null 2>&1; then
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin ocr-canary
fi
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
$sudo_cmd apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
