// Loaded last (deferred, after every panel's script has registered itself): start the page.
window.Admin.start();
