# `tapio run --print-config` as the KEYS section of tapio.conf(5): each
# "; help" block and its ";key = default" line become one definition.
/^$/ { help = ""; next }
/^\[/ { next }
/^; / { help = help (help ? " " : "") substr($0, 3); next }
/^;[a-z_]+ =/ {
	key = $0
	sub(/^;/, "", key)
	sub(/ =.*/, "", key)
	def = $0
	sub(/^;[a-z_]+ =[ ]?/, "", def)
	gsub(/_/, "\\_", key)
	gsub(/\*/, "\\*", help)
	printf "*%s* = _%s_\n\t%s\n\n", key, def == "" ? "(none)" : def, help
	help = ""
}
