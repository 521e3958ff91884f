/**
 * Why `filter` is not a valid MQTT 5 subscription filter, or undefined when it is. Checked
 * before connecting: Mosquitto answers an invalid filter with DISCONNECT (malformed packet), so
 * a consumer would otherwise reconnect and fail forever without saying why.
 */
export function topicFilterProblem(filter: string): string | undefined {
  if (filter === '') {
    return 'it is empty';
  }
  let plain = filter;
  if (filter.startsWith('$share/')) {
    // MQTT 5 4.8.2: $share/{ShareName}/{filter}, the share name without "/", "+" or "#".
    const rest = filter.slice('$share/'.length);
    const slash = rest.indexOf('/');
    const group = slash < 0 ? rest : rest.slice(0, slash);
    if (slash < 0 || group === '' || /[+#]/.test(group)) {
      return 'a shared subscription needs $share/<group>/<filter> with a group name free of "+" and "#"';
    }
    plain = rest.slice(slash + 1);
    if (plain === '') {
      return 'the shared subscription has no filter after its group';
    }
  }
  const levels = plain.split('/');
  for (let i = 0; i < levels.length; i += 1) {
    const level = levels[i];
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) {
      return '"#" must be a whole level and the last one';
    }
    if (level.includes('+') && level !== '+') {
      return '"+" must be a whole level';
    }
  }
  return undefined;
}
