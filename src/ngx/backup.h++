// One job: `mytimetable_backup;`, a location that answers GET with a
// consistent, compacted copy of the store (src/snapshot), made in a thread of
// nginx's pool into an unlinked file of the store directory, then sent with
// nginx's file buffers: the event loop never waits for the copy, memory stays
// bounded whatever the store's size, reads and writes go on meanwhile.
#pragma once

#include "ngx/bridge.h++"

namespace mtt::ngx {

// The directive's handler. The location's content handler becomes the
// backup's; the flag at cmd->offset of the module's main conf (MainConf::used)
// is set, so that the workers open the store even where no location carries
// `mytimetable;`; the thread pool `thread_pool default` configures is added.
char *set_backup(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);

} // namespace mtt::ngx
