// A shard that never gets ready (a plugin setup that never finishes): what the primary's ready
// timeout is for. Test entry only.
setInterval(() => {}, 60_000);
