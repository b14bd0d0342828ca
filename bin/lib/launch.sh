# Shared by bin/multidb-local and bin/multidb: build a module's jar and runtime classpath when needed, so a start
# with nothing changed runs no build tool. Needs ROOT (the repository, found from the script's own path) and log().
# Usage: ensure_built MODULE   → sets JAR and CLASSPATH (the module's jar first).

module_jar() {
  compgen -G "$ROOT/$1/target/multidb-$1-*.jar" | grep -v -e '-sources\.jar$' -e '-tests\.jar$' | head -n 1 || true
}

module_up_to_date() {
  local module="$1" target="$ROOT/$1/target"
  local jar stamp="$target/.multidb-built" ref
  jar="$(module_jar "$module")"
  [ -f "$target/classpath.txt" ] && [ -n "$jar" ] || return 1
  # Every jar on the recorded classpath must still exist (a cleaned module or ~/.m2 needs a build).
  local entry entries
  IFS=':' read -r -a entries < "$target/classpath.txt" || true
  for entry in "${entries[@]}"; do
    [ -e "$entry" ] || return 1
  done
  # Any build input newer than the last build (this launcher's, or a Maven reactor's that wrote the jar)?
  ref="$jar"
  if [ -f "$stamp" ] && [ "$stamp" -nt "$jar" ]; then ref="$stamp"; fi
  local newer
  newer="$(cd "$ROOT" && find pom.xml ./*/pom.xml ./*/src/main statemachines -newer "$ref" -print -quit 2>/dev/null)"
  [ -z "$newer" ]
}

ensure_built() {
  local module="$1"
  if [ ! -d "$ROOT/node_modules" ] && [ "$module" = local ]; then
    command -v npm >/dev/null || { log "npm is needed once to install the emulators (node_modules): install Node.js and npm"; exit 1; }
    log "installing Node tools (npm ci)"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error) >&2
  fi
  if ! module_up_to_date "$module"; then
    command -v mvn >/dev/null || { log "Maven (mvn) is needed once to build $module: install Maven 3.8+"; exit 1; }
    log "building (mvn package, tests skipped; once, and again after a source changes)"
    # Maven's own libraries use sun.misc.Unsafe, which JDK 24+ warns about on every run: allow it quietly there.
    if "$JAVA_HOME/bin/java" --sun-misc-unsafe-memory-access=allow -version >/dev/null 2>&1; then
      export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
    fi
    (cd "$ROOT" && mvn -B -q -Dstyle.color=never -DskipTests -pl "$module" -am package) >&2
    touch "$ROOT/$module/target/.multidb-built"
  fi
  JAR="$(module_jar "$module")"
  [ -n "$JAR" ] || { log "the build did not produce $module/target/multidb-$module-*.jar"; exit 1; }
  CLASSPATH="$JAR:$(cat "$ROOT/$module/target/classpath.txt")"
}

# The JVM runs some programs by name (JLine runs `test -t 1` to tell a terminal from a pipe): with this
# repository's bin/ on PATH that would be bin/test. Drop it from the PATH the JVM sees.
drop_own_bin_from_path() {
  local clean="" d parts
  IFS=':' read -r -a parts <<< "$PATH"
  for d in "${parts[@]}"; do
    if [ -n "$d" ] && [ "$(cd "$d" 2>/dev/null && pwd -P)" = "$(cd "$ROOT/bin" && pwd -P)" ]; then
      continue
    fi
    clean="${clean:+$clean:}$d"
  done
  export PATH="$clean"
}
