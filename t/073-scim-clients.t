# SCIM 2.0 as its two main clients call it: the request sequences that
# Microsoft Entra ID's provisioning service and Okta document (Entra's "Build
# a SCIM endpoint" request/response pairs; Okta's SCIM 2.0 protocol
# reference), their bodies as those documents show them, each answered as the
# client expects; and the bearer token that nginx checks before the module.
use strict;
use warnings;

use Test::More;

use MyTimetable::Scim;

plan skip_all => 'TEST_NGINX_LOAD_MODULES must name the module'
    unless $ENV{TEST_NGINX_LOAD_MODULES} && -f $ENV{TEST_NGINX_LOAD_MODULES};

my $GUID = qr/\A[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\z/;
my $TIME = qr/\A\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\z/;
my $s = MyTimetable::Scim->new;
my $base = $s->base;
sub plain { MyTimetable::Scim::plain(@_) }

# ---------------------------------------------------------------- the token

my $r = $s->scim(GET => 'Users', undef, {Authorization => ''});
is($r->{status}, 401, 'without the bearer token nginx answers 401');
$r = $s->scim(POST => 'Users', {userName => 'intruder'}, {Authorization => 'Bearer wrong'});
is($r->{status}, 401, 'a wrong token too');
is($s->api(GET => 'v0/users/intruder')->{status}, 404, 'and the module never saw the request');

# ---------------------------------------------------------------- Entra ID: users

# The probe Entra sends when it checks the connection: a filter on a random
# userName, which must answer an empty ListResponse.
$r = $s->scim(GET => 'Users?filter=userName+eq+%22ffe1fe2d-0ab3-4d4b-9f0e-6a1e6b8a9c33%22');
is($r->{status}, 200, 'the empty-filter probe answers 200');
is($r->{headers}{'content-type'}, 'application/scim+json', 'as application/scim+json');
is_deeply(plain($r->{json}), {
    schemas => ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
    totalResults => 0, startIndex => 1, itemsPerPage => 0, Resources => [],
}, 'an empty ListResponse');

# Create User (Entra's request, verbatim)
my $entra_user = <<'JSON';
{
    "schemas": [
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
    "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
    "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
    "active": true,
    "emails": [{
        "primary": true,
        "type": "work",
        "value": "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com"
    }],
    "meta": {
        "resourceType": "User"
    },
    "name": {
        "formatted": "givenName familyName",
        "familyName": "familyName",
        "givenName": "givenName"
    },
    "roles": []
}
JSON
$r = $s->scim(POST => 'Users', $entra_user);
is($r->{status}, 201, 'Entra: Create User answers 201');
my $u = $r->{json};
my $id = $u->{id};
like($id, $GUID, 'with a GUID as the id');
is($r->{headers}{location}, "${base}Users/$id", 'Location: the user');
is($r->{headers}{etag}, 'W/"1"', 'ETag: its first version');
like($u->{meta}{created}, $TIME, 'meta.created');
is($u->{meta}{lastModified}, $u->{meta}{created}, 'meta.lastModified, the same instant');
is_deeply(plain({%$u, meta => undef}), {
    schemas => ['urn:ietf:params:scim:schemas:core:2.0:User'],
    id => $id,
    externalId => '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
    userName => 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1',
    name => {formatted => 'givenName familyName', familyName => 'familyName', givenName => 'givenName'},
    active => 'true',
    emails => [{value => 'Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com',
                type => 'work', primary => 'true'}],
    meta => undef,
}, 'the user as Entra expects it back');
is_deeply($u->{meta}, {resourceType => 'User', created => $u->{meta}{created},
    lastModified => $u->{meta}{lastModified}, location => "${base}Users/$id", version => 'W/"1"'},
    'meta: resourceType, created, lastModified, location, version');

# Get User
$r = $s->scim(GET => "Users/$id");
is($r->{status}, 200, 'Entra: Get User answers 200');
is_deeply(plain($r->{json}), plain($u), 'the same user');
$r = $s->scim(GET => 'Users/5171a35d-8207-4e06-8ce2-000000000000');
is($r->{status}, 404, 'Get User of an unknown id answers 404');
is_deeply(plain($r->{json}), {schemas => ['urn:ietf:params:scim:api:messages:2.0:Error'],
    status => '404', detail => 'User 5171a35d-8207-4e06-8ce2-000000000000 not found'},
    'with the SCIM error body');

# Get User by query (userName: Entra's matching attribute; and externalId)
$r = $s->scim(GET => 'Users?filter=userName+eq+%22Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1%22');
is($r->{json}{totalResults}, 1, 'Entra: Get User by query finds the user');
is($r->{json}{Resources}[0]{id}, $id, 'by its userName');
$r = $s->scim(GET => 'Users?filter=externalId+eq+%220a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef%22');
is($r->{json}{Resources}[0]{id}, $id, 'and by its externalId');
$r = $s->scim(GET => 'Users?filter=userName+eq+%22non-existent+user%22');
is($r->{json}{totalResults}, 0, 'Get User by query - Zero results');

# Update User [Multi-valued properties]
$r = $s->scim(PATCH => "Users/$id", <<'JSON');
{
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [
            {
            "op": "Replace",
            "path": "emails[type eq \"work\"].value",
            "value": "updatedEmail@microsoft.com"
            },
            {
            "op": "Replace",
            "path": "name.familyName",
            "value": "updatedFamilyName"
            }
    ]
}
JSON
is($r->{status}, 200, 'Entra: Update User [Multi-valued properties] answers 200');
is_deeply(plain($r->{json}{emails}), [{value => 'updatedEmail@microsoft.com', type => 'work', primary => 'true'}],
    'the work email replaced');
is($r->{json}{name}{familyName}, 'updatedFamilyName', 'name.familyName replaced');
is($r->{headers}{etag}, 'W/"2"', 'a new version');

# Update User [Single-valued properties]
$r = $s->scim(PATCH => "Users/$id", <<'JSON');
{
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{
        "op": "Replace",
        "path": "userName",
        "value": "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"
    }]
}
JSON
is($r->{status}, 200, 'Entra: Update User [Single-valued properties] answers 200');
is($r->{json}{userName}, '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com', 'the userName replaced');

# Disable User, with the string boolean Entra sends without its flag
$r = $s->scim(PATCH => "Users/$id", <<'JSON');
{
    "Operations": [
        {
            "op": "Replace",
            "path": "active",
            "value": "False"
        }
    ],
    "schemas": [
        "urn:ietf:params:scim:api:messages:2.0:PatchOp"
    ]
}
JSON
is($r->{status}, 200, 'Entra: Disable User answers 200');
ok(!$r->{json}{active}, 'active is false');
$r = $s->scim(GET => 'Users?filter=userName+eq+%225b50642d-79fc-4410-9e90-4c077cdd1a59%40testuser.com%22');
ok(exists $r->{json}{Resources}[0]{active} && !$r->{json}{Resources}[0]{active},
   'a filter on the disabled user shows active false');
is($s->api(GET => "user/$id")->{json}{Enabled}, JSON::PP::false, 'and the directory shows it disabled');

# ---------------------------------------------------------------- Entra ID: groups

$r = $s->scim(POST => 'Groups', <<'JSON');
{
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
    "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
    "displayName": "displayName",
    "meta": {
        "resourceType": "Group"
    }
}
JSON
is($r->{status}, 201, 'Entra: Create Group answers 201');
my $gid = $r->{json}{id};
like($gid, $GUID, 'with a GUID');
is($r->{json}{externalId}, '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159', 'its externalId');
is_deeply($r->{json}{members}, [], 'and no members');

$r = $s->scim(GET => "Groups/$gid?excludedAttributes=members");
is($r->{status}, 200, 'Entra: Get Group answers 200');
ok(!exists $r->{json}{members}, 'without members (excludedAttributes=members)');
is($r->{json}{displayName}, 'displayName', 'with its displayName');

$r = $s->scim(GET => 'Groups?excludedAttributes=members&filter=displayName+eq+%22displayName%22');
is($r->{json}{totalResults}, 1, 'Entra: Get Group by displayName finds it');
is($r->{json}{Resources}[0]{id}, $gid, 'the group');
ok(!exists $r->{json}{Resources}[0]{members}, 'without members');

$r = $s->scim(PATCH => "Groups/$gid", <<'JSON');
{
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{
        "op": "Replace",
        "path": "displayName",
        "value": "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"
    }]
}
JSON
is($r->{status}, 204, 'Entra: Update Group [Non-member attributes] answers 204');

(my $add = <<'JSON') =~ s/MEMBER/$id/;
{
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{
        "op": "Add",
        "path": "members",
        "value": [{
            "$ref": null,
            "value": "MEMBER"
        }]
    }]
}
JSON
$r = $s->scim(PATCH => "Groups/$gid", $add);
is($r->{status}, 204, 'Entra: Update Group [Add Members] answers 204');
$r = $s->scim(GET => "Groups/$gid");
is_deeply([map { $_->{value} } @{ $r->{json}{members} }], [$id], 'the user is a member');
is($r->{json}{displayName}, '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName', 'of the renamed group');
is_deeply($s->api(GET => 'v0/users/5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com')->{json}{roles},
    ['1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName'], 'which is the v0 role of the user');

(my $remove = $add) =~ s/"Add"/"Remove"/;
$r = $s->scim(PATCH => "Groups/$gid", $remove);
is($r->{status}, 204, 'Entra: Update Group [Remove Members] answers 204');
is_deeply($s->scim(GET => "Groups/$gid")->{json}{members}, [], 'no member left');

$r = $s->scim(DELETE => "Groups/$gid");
is($r->{status}, 204, 'Entra: Delete Group answers 204');
is($s->scim(GET => "Groups/$gid")->{status}, 404, 'the group is gone');

$r = $s->scim(DELETE => "Users/$id");
is($r->{status}, 204, 'Entra: Delete User answers 204');
is($s->scim(GET => "Users/$id")->{status}, 404, 'the user is gone');
is($s->api(GET => "user/$id")->{status}, 404, 'from the directory too');

# ---------------------------------------------------------------- Okta: users

$r = $s->scim(GET => 'Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100');
is_deeply(plain($r->{json}), {
    schemas => ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
    totalResults => 0, startIndex => 1, itemsPerPage => 0, Resources => [],
}, 'Okta: the user is not there yet');

$r = $s->scim(POST => 'Users', <<'JSON');
{
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "userName": "test.user@okta.local",
    "name": {
        "givenName": "Test",
        "familyName": "User"
    },
    "emails": [{
        "primary": true,
        "value": "test.user@okta.local",
        "type": "work"
    }],
    "displayName": "Test User",
    "locale": "en-US",
    "externalId": "00ujl29u0le5T6Aj10h7",
    "groups": [],
    "password": "1mz050nq",
    "active": true
}
JSON
is($r->{status}, 201, 'Okta: create user answers 201');
my $oid = $r->{json}{id};
ok(!exists $r->{json}{password}, 'the password is not shown');
is($r->{json}{displayName}, 'Test User', 'displayName');
is($r->{json}{locale}, 'en-US', 'locale');
my $v0 = $s->api(GET => 'v0/users/test.user@okta.local')->{json};
is_deeply([$v0->{displayName}, $v0->{locale}], ['Test User', 'en-US'], 'which are the v0 profile\'s');

$r = $s->scim(GET => "Users/$oid");
is($r->{json}{userName}, 'test.user@okta.local', 'Okta: get user');

for my $n (1 .. 3) {
    $s->scim(POST => 'Users', {schemas => ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName => "okta.page$n\@okta.local", active => JSON::PP::true});
}
$r = $s->scim(GET => 'Users?startIndex=1&count=2');
is($r->{json}{totalResults}, 4, 'Okta: paging counts every user');
is($r->{json}{itemsPerPage}, 2, 'count=2 answers two');
is($r->{json}{startIndex}, 1, 'from the first');
$r = $s->scim(GET => 'Users?startIndex=3&count=2');
is($r->{json}{itemsPerPage}, 2, 'the next page');
is($r->{json}{startIndex}, 3, 'from the third');
$r = $s->scim(GET => 'Users?startIndex=5&count=2');
is($r->{json}{itemsPerPage}, 0, 'past the end: none');

# Okta updates a profile with PUT of the whole user
$r = $s->scim(PUT => "Users/$oid", <<"JSON");
{
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "id": "$oid",
    "userName": "test.user\@okta.local",
    "name": {
        "givenName": "Another",
        "familyName": "User"
    },
    "emails": [{
        "primary": true,
        "value": "test.user\@okta.local",
        "type": "work"
    }],
    "displayName": "Another User",
    "locale": "en-US",
    "externalId": "00ujl29u0le5T6Aj10h7",
    "groups": [],
    "active": true,
    "meta": {
        "resourceType": "User",
        "created": "2019-01-01T00:00:00Z"
    }
}
JSON
is($r->{status}, 200, 'Okta: update user (PUT) answers 200');
is($r->{json}{name}{givenName}, 'Another', 'the new givenName');
isnt($r->{json}{meta}{created}, '2019-01-01T00:00:00Z', 'meta is the service\'s');
is($s->api(GET => "user/$oid")->{json}{FirstName}, 'Another', 'the directory\'s FirstName');

# Okta deactivates with a PATCH without path
$r = $s->scim(PATCH => "Users/$oid", <<'JSON');
{
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{
        "op": "replace",
        "value": {
            "active": false
        }
    }]
}
JSON
is($r->{status}, 200, 'Okta: deactivate user answers 200');
ok(!$r->{json}{active}, 'the user is inactive');

# ---------------------------------------------------------------- Okta: groups

$r = $s->scim(POST => 'Groups', <<'JSON');
{
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    "displayName": "Test SCIMv2",
    "members": []
}
JSON
is($r->{status}, 201, 'Okta: create group answers 201');
my $ogid = $r->{json}{id};
$r = $s->scim(GET => 'Groups?filter=displayName%20eq%20%22Test%20SCIMv2%22&startIndex=1&count=100');
is($r->{json}{Resources}[0]{id}, $ogid, 'Okta: the group by displayName');

$r = $s->scim(PATCH => "Groups/$ogid", <<"JSON");
{
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{
        "op": "add",
        "path": "members",
        "value": [{
            "value": "$oid",
            "display": "test.user\@okta.local"
        }]
    }]
}
JSON
is($r->{status}, 204, 'Okta: add members answers 204');
is_deeply($s->api(GET => 'v0/users/test.user@okta.local')->{json}{roles}, ['Test SCIMv2'], 'the user holds the role');

$r = $s->scim(PATCH => "Groups/$ogid", <<"JSON");
{
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{
        "op": "replace",
        "value": {
            "id": "$ogid",
            "displayName": "Test SCIMv2 renamed"
        }
    }]
}
JSON
is($r->{status}, 204, 'Okta: rename the group answers 204');
$r = $s->scim(GET => "Groups/$ogid");
is($r->{json}{displayName}, 'Test SCIMv2 renamed', 'the same group, renamed');
is_deeply($s->api(GET => 'v0/users/test.user@okta.local')->{json}{roles}, ['Test SCIMv2 renamed'],
    'and the role of its member');

my $other = $s->scim(GET => 'Users?filter=userName+eq+%22okta.page1%40okta.local%22')->{json}{Resources}[0]{id};
$r = $s->scim(PATCH => "Groups/$ogid", <<"JSON");
{
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{
        "op": "replace",
        "path": "members",
        "value": [{"value": "$other", "display": "okta.page1\@okta.local"}]
    }]
}
JSON
is($r->{status}, 204, 'Okta: replace members answers 204');
is_deeply([map { $_->{value} } @{ $s->scim(GET => "Groups/$ogid")->{json}{members} }], [$other],
    'the new member alone');

$r = $s->scim(PATCH => "Groups/$ogid", <<"JSON");
{
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{
        "op": "remove",
        "path": "members[value eq \\"$other\\"]"
    }]
}
JSON
is($r->{status}, 204, 'Okta: remove a member by filter answers 204');
is_deeply($s->scim(GET => "Groups/$ogid")->{json}{members}, [], 'no member left');

$r = $s->scim(DELETE => "Groups/$ogid");
is($r->{status}, 204, 'Okta: delete group answers 204');

$s->stop;
done_testing;
