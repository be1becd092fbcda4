# SCIM 2.0 Groups: each v0 role is a group with a stable id; members are the
# users holding the role; POST, PUT, PATCH and DELETE change those users'
# roles in one transaction; a group without members still exists.
use strict;
use warnings;

use Test::More;
use JSON::PP;

use MyTimetable::Scim;

plan skip_all => 'TEST_NGINX_LOAD_MODULES must name the module'
    unless $ENV{TEST_NGINX_LOAD_MODULES} && -f $ENV{TEST_NGINX_LOAD_MODULES};

my $s = MyTimetable::Scim->new;
my $base = $s->base;
my $PATCH = ['urn:ietf:params:scim:api:messages:2.0:PatchOp'];
sub members { my $g = shift; return [sort map { $_->{display} } @{ $g->{members} // [] }] }
sub roles { my $name = shift; return $s->api(GET => "v0/users/$name")->{json}{roles} }

# users of v0, with roles: their roles are groups already
$s->api(PUT => 'v0/users/ann', 'roles=staff&roles=teacher');
$s->api(PUT => 'v0/users/bob', 'roles=teacher');
$s->api(PUT => 'v0/users/cid', '');
my %id = map { $_ => $s->scim(GET => "Users?filter=userName+eq+%22$_%22")->{json}{Resources}[0]{id} } qw(ann bob cid);

my $r = $s->scim(GET => 'Groups');
is($r->{status}, 200, 'GET Groups answers 200');
is_deeply([map { $_->{displayName} } @{ $r->{json}{Resources} }], [qw(staff teacher)],
          'each v0 role is a group, by name');
my $teacher = $r->{json}{Resources}[1];
is_deeply(members($teacher), [qw(ann bob)], 'whose members are the users holding it');
is_deeply((grep { $_->{display} eq 'ann' } @{ $teacher->{members} })[0], {value => $id{ann}, '$ref' => "${base}Users/$id{ann}", display => 'ann',
                                   type => 'User'}, 'each member with value, $ref, display and type');
my $tid = $teacher->{id};
is($s->scim(GET => "Groups/$tid")->{json}{displayName}, 'teacher', 'GET Groups/{id}');
is($s->scim(GET => 'Groups?filter=displayName+eq+%22TEACHER%22')->{json}{Resources}[0]{id}, $tid,
   'displayName eq compares without case');
$r = $s->scim(GET => "Groups?filter=members+eq+%22$id{bob}%22&excludedAttributes=members");
is_deeply([map { $_->{displayName} } @{ $r->{json}{Resources} }], ['teacher'], 'a filter on members');
ok(!exists $r->{json}{Resources}[0]{members}, 'excludedAttributes=members honoured');

# POST: a new role, empty, that still exists
$r = $s->scim(POST => 'Groups', {displayName => 'tutors'});
is($r->{status}, 201, 'POST Groups answers 201');
my $gid = $r->{json}{id};
is($r->{headers}{location}, "${base}Groups/$gid", 'with its Location');
like($r->{headers}{etag}, qr{\AW/"\d+"\z}, 'and an ETag');
is_deeply($s->scim(GET => "Groups/$gid")->{json}{members}, [], 'a group without members exists');
is($s->scim(POST => 'Groups', {displayName => 'tutors'})->{status}, 409, 'a second one of that name is refused');

# PATCH members: add (Entra's and Okta's forms), remove (by value list, by filter)
$r = $s->scim(PATCH => "Groups/$gid", {schemas => $PATCH, Operations => [
    {op => 'Add', path => 'members', value => [{'$ref' => undef, value => $id{ann}}]},
    {op => 'add', path => 'members', value => [{value => $id{cid}, display => 'cid'}]}]});
is($r->{status}, 204, 'PATCH add members answers 204');
is_deeply(roles('ann'), [qw(staff teacher tutors)], 'the role is added to each user');
is_deeply(roles('cid'), ['tutors'], 'both');
$r = $s->scim(GET => "Users/$id{cid}");
is_deeply($r->{json}{groups}, [{value => $gid, '$ref' => "${base}Groups/$gid", display => 'tutors'}],
          'the user shows the group');
$r = $s->scim(PATCH => "Groups/$gid", {schemas => $PATCH, Operations => [
    {op => 'remove', path => "members[value eq \"$id{ann}\"]"}]});
is($r->{status}, 204, 'PATCH remove members[value eq ...] answers 204');
is_deeply(roles('ann'), [qw(staff teacher)], 'the role is taken from that user');
$r = $s->scim(PATCH => "Groups/$gid", {schemas => $PATCH, Operations => [
    {op => 'Remove', path => 'members', value => [{value => $id{cid}}]}]});
is_deeply(roles('cid'), [], 'remove with a value list too');
$r = $s->scim(PATCH => "Groups/$gid", {schemas => $PATCH, Operations => [
    {op => 'add', path => 'members', value => [{value => $id{bob}}]},
    {op => 'add', path => 'members', value => [{value => '5171a35d-8207-4e06-8ce2-000000000000'}]}]});
is($r->{status}, 400, 'a member that is no user refuses the whole PATCH');
is($r->{json}{detail}, 'members: no User 5171a35d-8207-4e06-8ce2-000000000000', 'naming it');
is_deeply(roles('bob'), ['teacher'], 'and none of its operations is applied');

# PUT: rename and members; the id stays
$r = $s->scim(PUT => "Groups/$gid", {displayName => 'mentors', members => [{value => $id{bob}}, {value => $id{cid}}]});
is($r->{status}, 200, 'PUT Groups/{id} answers 200');
is($r->{json}{id}, $gid, 'the id is stable across a rename');
is_deeply(members($r->{json}), [qw(bob cid)], 'with the members given');
is_deeply(roles('bob'), [qw(teacher mentors)], 'the members hold the new name');
ok(!$s->scim(GET => 'Groups?filter=displayName+eq+%22tutors%22')->{json}{totalResults}, 'the old name is gone');
$r = $s->scim(PATCH => "Groups/$gid", {schemas => $PATCH, Operations => [
    {op => 'replace', path => 'displayName', value => 'teacher'}]});
is($r->{status}, 409, 'a rename to a taken name is refused');
is($r->{json}{scimType}, 'uniqueness', 'uniqueness');

# a group renamed through v0: the role changes in the user, the group record is the role's
$s->api(PUT => 'v0/users/cid', 'roles=mentors&roles=coach');
ok(grep({ $_->{displayName} eq 'coach' } @{ $s->scim(GET => 'Groups')->{json}{Resources} }),
   'a role given through v0 is a group at once');
is_deeply(members($s->scim(GET => "Groups/$gid")->{json}), [qw(bob cid)], 'and v0 keeps the other memberships');

# ETag / If-Match on groups
my $etag = $s->scim(GET => "Groups/$gid")->{headers}{etag};
is($s->scim(DELETE => "Groups/$gid", undef, {'If-Match' => 'W/"1"'})->{status}, 412, 'a stale If-Match: 412');
is($s->scim(PATCH => "Groups/$gid", {schemas => ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
                                     Operations => [{op => 'add', path => 'externalId', value => 'x'}]},
            {'If-Match' => 'W/"1"'})->{status}, 412, 'a stale If-Match on PATCH: 412');
is($s->scim(GET => "Groups/$gid")->{headers}{etag}, $etag, 'and the group is as it was');

# DELETE: the role goes from everyone
$r = $s->scim(DELETE => "Groups/$gid", undef, {'If-Match' => $etag});
is($r->{status}, 204, 'DELETE Groups/{id} answers 204');
is_deeply(roles('bob'), ['teacher'], 'the role is taken from every member');
is_deeply(roles('cid'), ['coach'], 'every one');
is($s->scim(GET => "Groups/$gid")->{status}, 404, 'and the group is gone');

# paging and sorting of groups
$r = $s->scim(GET => 'Groups?startIndex=2&count=1&sortBy=displayName&sortOrder=descending&attributes=displayName');
is_deeply([@{ $r->{json} }{qw(totalResults startIndex itemsPerPage)}], [3, 2, 1], 'paging');
is($r->{json}{Resources}[0]{displayName}, 'staff', 'sorted by displayName, descending');

$s->stop;
done_testing;
