// Tappable phone numbers and addresses in the assistant's messages. Only text nodes and <a>
// elements are created, never HTML from a string, so whatever the text holds stays text.
// Phone numbers become tel: links; a line "地址：…" (the backend writes addresses that way)
// becomes a map link. No regex lookbehind: older phone browsers do not have it.
(function () {
  "use strict";

  var MAP_SEARCH = "https://uri.amap.com/search?keyword=";
  var ADDRESS_LINE = /^(\s*地址[：:]\s*)(\S.*?)(\s*)$/;
  // Mobiles, landlines with an area code (also "0571-12345"), 8-digit local numbers (not 2…:
  // that is a date), service hotlines (12345, 12315, 955xx, 96345 …) and 110/119/120/122.
  var NUMBER = /1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|0\d{2,3}-\d{5}|[3-9]\d{7}|12\d{3}|9[56]\d{3}|11[09]|12[02]/g;
  // A number glued to letters, digits or a unit is an amount, a date or a code, not a phone.
  var NOT_BEFORE = /[0-9A-Za-z*\-_第.]/;
  var NOT_AFTER = /[0-9A-Za-z*\-_元年月日号幢栋楼室户个位岁天次%％平米.]/;
  // 110/119/120/122 only right after "打", a list separator or a colon: "拨打119、110或120".
  var EMERGENCY_AFTER = /[打、\/或和：:（(\s]/;

  function isPhone(text, at, number) {
    var before = at > 0 ? text.charAt(at - 1) : "";
    var after = text.charAt(at + number.length);
    if (before && NOT_BEFORE.test(before)) return false;
    if (after && NOT_AFTER.test(after)) return false;
    if (number.length === 3) return !before || EMERGENCY_AFTER.test(before);
    return true;
  }

  function link(href, text, kind) {
    var a = document.createElement("a");
    a.href = href;
    a.className = "chat-link chat-" + kind;
    a.appendChild(document.createTextNode(text));
    return a;
  }

  function telLink(number) {
    var a = link("tel:" + number.replace(/\D/g, ""), number, "tel");
    a.setAttribute("aria-label", "拨打电话 " + number);
    return a;
  }

  function mapLink(address) {
    var area = window.chatLinks.area || "";
    var where = area && address.indexOf(area) !== 0 ? area + address : address;
    var a = link(MAP_SEARCH + encodeURIComponent(where), address, "map");
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    a.setAttribute("aria-label", "在地图上查看 " + address);
    return a;
  }

  // Appends `text` to `el` with its phone numbers as tel: links.
  function addPhones(el, text) {
    var from = 0, m;
    NUMBER.lastIndex = 0;
    while ((m = NUMBER.exec(text)) !== null) {
      if (!isPhone(text, m.index, m[0])) {
        NUMBER.lastIndex = m.index + 1;  // a longer run of digits: look again one further on
        continue;
      }
      if (m.index > from) el.appendChild(document.createTextNode(text.slice(from, m.index)));
      el.appendChild(telLink(m[0]));
      from = m.index + m[0].length;
    }
    if (from < text.length) el.appendChild(document.createTextNode(text.slice(from)));
  }

  function fill(el, text) {
    while (el.firstChild) el.removeChild(el.firstChild);
    var lines = String(text == null ? "" : text).split("\n");
    lines.forEach(function (line, i) {
      if (i > 0) el.appendChild(document.createTextNode("\n"));
      var addr = ADDRESS_LINE.exec(line);
      if (addr) {
        el.appendChild(document.createTextNode(addr[1]));
        el.appendChild(mapLink(addr[2]));
        if (addr[3]) el.appendChild(document.createTextNode(addr[3]));
      } else {
        addPhones(el, line);
      }
    });
  }

  // area: the city and district the page is for (set by chat.js), put before addresses for the map.
  window.chatLinks = { fill: fill, area: "" };
})();
