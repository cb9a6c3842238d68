// Tell the server the browser's time zone, so pages outside an organisation
// show times in it (mentoring.middleware.ViewerTimezoneMiddleware reads "tz").
(function () {
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && document.cookie.indexOf("tz=" + zone) === -1) {
      document.cookie = "tz=" + zone + "; path=/; max-age=31536000; SameSite=Lax";
    }
  } catch (e) { /* very old browser: the server falls back to UTC */ }
})();
