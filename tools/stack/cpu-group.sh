# Sourced, not run: where a stack container's CPU group is, for up.sh (its weight, ADR 0047),
# down.sh --rm (removing it) and the ladder (printing the weights). One lookup for all three.

# cpu_group_parent NAME: the group container NAME was made in (its --cgroup-parent): a path under
# the cgroupfs driver, a slice's name under systemd's, empty under STACK_CGROUP=docker or when the
# container does not exist.
cpu_group_parent() { docker inspect -f '{{.HostConfig.CgroupParent}}' "$1" 2>/dev/null || true; }

# cpu_group_dirs PARENT: the directories of a cgroupfs-driver group, one per hierarchy that has
# it (v2: /sys/fs/cgroup/PARENT; v1: cpu, cpu,cpuacct, memory, ...); none for a slice.
cpu_group_dirs() {
  local dir
  [ "${1#/}" != "$1" ] || return 0
  for dir in /sys/fs/cgroup"$1" /sys/fs/cgroup/*"$1"; do
    [ -d "$dir" ] && echo "$dir"
  done
  return 0
}

# cpu_weight_file PARENT: "FILE UNIT" of the group's CPU weight, the first found: cpu.shares
# (cgroup v1, 1024 = one share) or cpu.weight (v2, 100). Fails when the group has neither.
cpu_weight_file() {
  local dir
  for dir in $(cpu_group_dirs "$1"); do
    if [ -f "$dir/cpu.shares" ]; then
      echo "$dir/cpu.shares 1024"
      return 0
    elif [ -f "$dir/cpu.weight" ]; then
      echo "$dir/cpu.weight 100"
      return 0
    fi
  done
  return 1
}
