// Prints the SCIM discovery bodies (scim_schema.h++) as one JSON object,
// {"ServiceProviderConfig": ..., "Schemas": ..., "ResourceTypes": ...}, for
// make scim-discovery-check, which reads them with an independent SCIM
// implementation (t/scim/discovery.mjs).
#include "json.h++"
#include "scim_schema.h++"

#include <cstdio>

int main() {
    using namespace mtt;
    const char base[] = "https://tt.example.edu/scim/v2/";
    Json o(json_object());
    json_object_set_new(o.get(), "ServiceProviderConfig", scim::service_provider_config(base, 200));
    json_object_set_new(o.get(), "Schemas", scim::schemas_list(base));
    json_object_set_new(o.get(), "ResourceTypes", scim::resource_types_list(base));
    std::printf("%s\n", dump(o.get()).c_str());
    return 0;
}
