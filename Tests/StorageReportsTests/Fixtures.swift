/// Answers captured from a real Ceph Pacific 16.2.15 (one mon, one mgr, one memstore OSD on
/// 127.0.0.1, pools rbd and backup with `rbd bench --io-type write` data, plus the mgr's
/// device_health_metrics), byte for byte as the `ceph` CLI printed them. Kept as string literals
/// because the test target declares no resources.
enum Fixtures {
    /// `ceph status` (plain text), HEALTH_OK: three pools, one OSD.
    static let status = #"""
  cluster:
    id:     b10fe3af-2cc1-4cfc-b04e-de3c5c8aaab0
    health: HEALTH_OK
 
  services:
    mon: 1 daemons, quorum a (age 20s)
    mgr: x(active, since 17s)
    osd: 1 osds: 1 up (since 18s), 1 in (since 19s)
 
  data:
    pools:   3 pools, 17 pgs
    objects: 34 objects, 34 MiB
    usage:   34 MiB used, 990 MiB / 1 GiB avail
    pgs:     17 active+clean
 
"""#

    /// `ceph status` with the noout flag set (HEALTH_WARN).
    static let statusWarn = #"""
  cluster:
    id:     b10fe3af-2cc1-4cfc-b04e-de3c5c8aaab0
    health: HEALTH_WARN
            noout flag(s) set
 
  services:
    mon: 1 daemons, quorum a (age 35s)
    mgr: x(active, since 32s)
    osd: 1 osds: 1 up (since 33s), 1 in (since 34s)
         flags noout
 
  data:
    pools:   3 pools, 17 pgs
    objects: 34 objects, 34 MiB
    usage:   34 MiB used, 990 MiB / 1 GiB avail
    pgs:     17 active+clean
 
"""#

    /// `ceph health -f json`, HEALTH_OK.
    static let health = #"""

{"status":"HEALTH_OK","checks":{},"mutes":[]}
"""#

    /// `ceph health -f json` with the noout flag set.
    static let healthWarn = #"""

{"status":"HEALTH_WARN","checks":{"OSDMAP_FLAGS":{"severity":"HEALTH_WARN","summary":{"message":"noout flag(s) set","count":5},"muted":false}},"mutes":[]}
"""#

    /// `ceph health -f json` with noout set and the OSD stopped.
    static let healthDown = #"""

{"status":"HEALTH_WARN","checks":{"OSDMAP_FLAGS":{"severity":"HEALTH_WARN","summary":{"message":"noout flag(s) set","count":5},"muted":false},"OSD_DOWN":{"severity":"HEALTH_WARN","summary":{"message":"1 osds down","count":1},"muted":false},"OSD_HOST_DOWN":{"severity":"HEALTH_WARN","summary":{"message":"1 host (1 osds) down","count":1},"muted":false},"OSD_ROOT_DOWN":{"severity":"HEALTH_WARN","summary":{"message":"1 root (1 osds) down","count":1},"muted":false}},"mutes":[]}
"""#

    /// `ceph df` (plain text).
    static let dfText = #"""
--- RAW STORAGE ---
CLASS   SIZE    AVAIL    USED  RAW USED  %RAW USED
hdd    1 GiB  990 MiB  34 MiB    34 MiB       3.32
TOTAL  1 GiB  990 MiB  34 MiB    34 MiB       3.32
 
--- POOLS ---
POOL                   ID  PGS  STORED  OBJECTS    USED  %USED  MAX AVAIL
rbd                     1    8  16 MiB       21  16 MiB   1.68    939 MiB
device_health_metrics   2    1     0 B        0     0 B      0    939 MiB
backup                  3    8  18 MiB       13  18 MiB   1.88    939 MiB
"""#

    /// `ceph df -f json`: pools in id order rbd (1), device_health_metrics (2), backup (3).
    static let dfJSON = #"""

{"stats":{"total_bytes":1073741824,"total_avail_bytes":1038049587,"total_used_bytes":35692237,"total_used_raw_bytes":35692237,"total_used_raw_ratio":0.033240985125303268,"num_osds":1,"num_per_pool_osds":0,"num_per_pool_omap_osds":0},"stats_by_class":{"hdd":{"total_bytes":1073741824,"total_avail_bytes":1038049587,"total_used_bytes":35692237,"total_used_raw_bytes":35692237,"total_used_raw_ratio":0.033240985125303268}},"pools":[{"name":"rbd","id":1,"stats":{"stored":16777289,"objects":21,"kb_used":16385,"bytes_used":16777289,"percent_used":0.016758192330598831,"max_avail":984362176}},{"name":"device_health_metrics","id":2,"stats":{"stored":0,"objects":0,"kb_used":0,"bytes_used":0,"percent_used":0,"max_avail":984362176}},{"name":"backup","id":3,"stats":{"stored":18874437,"objects":13,"kb_used":18433,"bytes_used":18874437,"percent_used":0.018813543021678925,"max_avail":984362176}}]}
"""#

    /// `rados df -f json`, in name order: the librados figures of each pool, the same counters `rados_ioctx_pool_stat` gives (bytes read/written = KiB x 1024).
    static let radosDF = #"""
{"pools":[{"name":"backup","id":3,"size_bytes":18874437,"size_kb":18433,"num_objects":13,"num_object_clones":0,"num_object_copies":13,"num_objects_missing_on_primary":0,"num_objects_unfound":0,"num_objects_degraded":0,"read_ops":91,"read_bytes":72704,"write_ops":388,"write_bytes":4216832,"compress_bytes_used":0,"compress_under_bytes":0},{"name":"device_health_metrics","id":2,"size_bytes":0,"size_kb":0,"num_objects":0,"num_object_clones":0,"num_object_copies":0,"num_objects_missing_on_primary":0,"num_objects_unfound":0,"num_objects_degraded":0,"read_ops":0,"read_bytes":0,"write_ops":0,"write_bytes":0,"compress_bytes_used":0,"compress_under_bytes":0},{"name":"rbd","id":1,"size_bytes":16777289,"size_kb":16385,"num_objects":21,"num_object_clones":0,"num_object_copies":21,"num_objects_missing_on_primary":0,"num_objects_unfound":0,"num_objects_degraded":0,"read_ops":139,"read_bytes":113664,"write_ops":347,"write_bytes":16816128,"compress_bytes_used":0,"compress_under_bytes":0}],"total_objects":34,"total_used":34855,"total_avail":1013720,"total_space":1048576}
"""#

    /// `ceph osd dump -f json`.
    static let osdDump = #"""

{"epoch":17,"fsid":"b10fe3af-2cc1-4cfc-b04e-de3c5c8aaab0","created":"2026-11-22T04:23:35.144556+0000","modified":"2026-11-22T04:23:50.140259+0000","last_up_change":"2026-11-22T04:23:37.575871+0000","last_in_change":"2026-11-22T04:23:36.582818+0000","flags":"sortbitwise,recovery_deletes,purged_snapdirs,pglog_hardlimit","flags_num":5799936,"flags_set":["pglog_hardlimit","purged_snapdirs","recovery_deletes","sortbitwise"],"crush_version":3,"full_ratio":0.94999998807907104,"backfillfull_ratio":0.89999997615814209,"nearfull_ratio":0.85000002384185791,"cluster_snapshot":"","pool_max":3,"max_osd":1,"require_min_compat_client":"luminous","min_compat_client":"jewel","require_osd_release":"pacific","pools":[{"pool":1,"pool_name":"rbd","create_time":"2026-11-22T04:23:37.512335+0000","flags":8193,"flags_names":"hashpspool,selfmanaged_snaps","type":1,"size":1,"min_size":1,"crush_rule":0,"peering_crush_bucket_count":0,"peering_crush_bucket_target":0,"peering_crush_bucket_barrier":0,"peering_crush_bucket_mandatory_member":2147483647,"object_hash":2,"pg_autoscale_mode":"off","pg_num":8,"pg_placement_num":8,"pg_placement_num_target":8,"pg_num_target":8,"pg_num_pending":8,"last_pg_merge_meta":{"source_pgid":"0.0","ready_epoch":0,"last_epoch_started":0,"last_epoch_clean":0,"source_version":"0'0","target_version":"0'0"},"last_change":"8","last_force_op_resend":"0","last_force_op_resend_prenautilus":"0","last_force_op_resend_preluminous":"0","auid":0,"snap_mode":"selfmanaged","snap_seq":3,"snap_epoch":8,"pool_snaps":[],"removed_snaps":"[]","quota_max_bytes":0,"quota_max_objects":0,"tiers":[],"tier_of":-1,"read_tier":-1,"write_tier":-1,"cache_mode":"none","target_max_bytes":0,"target_max_objects":0,"cache_target_dirty_ratio_micro":400000,"cache_target_dirty_high_ratio_micro":600000,"cache_target_full_ratio_micro":800000,"cache_min_flush_age":0,"cache_min_evict_age":0,"erasure_code_profile":"","hit_set_params":{"type":"none"},"hit_set_period":0,"hit_set_count":0,"use_gmt_hitset":true,"min_read_recency_for_promote":0,"min_write_recency_for_promote":0,"hit_set_grade_decay_rate":0,"hit_set_search_last_n":0,"grade_table":[],"stripe_width":0,"expected_num_objects":0,"fast_read":false,"options":{},"application_metadata":{"rbd":{}}},{"pool":2,"pool_name":"device_health_metrics","create_time":"2026-11-22T04:23:38.568204+0000","flags":1,"flags_names":"hashpspool","type":1,"size":1,"min_size":1,"crush_rule":0,"peering_crush_bucket_count":0,"peering_crush_bucket_target":0,"peering_crush_bucket_barrier":0,"peering_crush_bucket_mandatory_member":2147483647,"object_hash":2,"pg_autoscale_mode":"off","pg_num":1,"pg_placement_num":1,"pg_placement_num_target":1,"pg_num_target":1,"pg_num_pending":1,"last_pg_merge_meta":{"source_pgid":"0.0","ready_epoch":0,"last_epoch_started":0,"last_epoch_clean":0,"source_version":"0'0","target_version":"0'0"},"last_change":"11","last_force_op_resend":"0","last_force_op_resend_prenautilus":"0","last_force_op_resend_preluminous":"0","auid":0,"snap_mode":"selfmanaged","snap_seq":0,"snap_epoch":0,"pool_snaps":[],"removed_snaps":"[]","quota_max_bytes":0,"quota_max_objects":0,"tiers":[],"tier_of":-1,"read_tier":-1,"write_tier":-1,"cache_mode":"none","target_max_bytes":0,"target_max_objects":0,"cache_target_dirty_ratio_micro":400000,"cache_target_dirty_high_ratio_micro":600000,"cache_target_full_ratio_micro":800000,"cache_min_flush_age":0,"cache_min_evict_age":0,"erasure_code_profile":"","hit_set_params":{"type":"none"},"hit_set_period":0,"hit_set_count":0,"use_gmt_hitset":true,"min_read_recency_for_promote":0,"min_write_recency_for_promote":0,"hit_set_grade_decay_rate":0,"hit_set_search_last_n":0,"grade_table":[],"stripe_width":0,"expected_num_objects":0,"fast_read":false,"options":{"pg_num_max":32,"pg_num_min":1},"application_metadata":{"mgr_devicehealth":{}}},{"pool":3,"pool_name":"backup","create_time":"2026-11-22T04:23:43.318266+0000","flags":8193,"flags_names":"hashpspool,selfmanaged_snaps","type":1,"size":1,"min_size":1,"crush_rule":0,"peering_crush_bucket_count":0,"peering_crush_bucket_target":0,"peering_crush_bucket_barrier":0,"peering_crush_bucket_mandatory_member":2147483647,"object_hash":2,"pg_autoscale_mode":"off","pg_num":8,"pg_placement_num":8,"pg_placement_num_target":8,"pg_num_target":8,"pg_num_pending":8,"last_pg_merge_meta":{"source_pgid":"0.0","ready_epoch":0,"last_epoch_started":0,"last_epoch_clean":0,"source_version":"0'0","target_version":"0'0"},"last_change":"16","last_force_op_resend":"0","last_force_op_resend_prenautilus":"0","last_force_op_resend_preluminous":"0","auid":0,"snap_mode":"selfmanaged","snap_seq":3,"snap_epoch":16,"pool_snaps":[],"removed_snaps":"[]","quota_max_bytes":0,"quota_max_objects":0,"tiers":[],"tier_of":-1,"read_tier":-1,"write_tier":-1,"cache_mode":"none","target_max_bytes":0,"target_max_objects":0,"cache_target_dirty_ratio_micro":400000,"cache_target_dirty_high_ratio_micro":600000,"cache_target_full_ratio_micro":800000,"cache_min_flush_age":0,"cache_min_evict_age":0,"erasure_code_profile":"","hit_set_params":{"type":"none"},"hit_set_period":0,"hit_set_count":0,"use_gmt_hitset":true,"min_read_recency_for_promote":0,"min_write_recency_for_promote":0,"hit_set_grade_decay_rate":0,"hit_set_search_last_n":0,"grade_table":[],"stripe_width":0,"expected_num_objects":0,"fast_read":false,"options":{},"application_metadata":{"rbd":{}}}],"osds":[{"osd":0,"uuid":"e477517a-642f-4f81-9f64-ed2ec395523e","up":1,"in":1,"weight":1,"primary_affinity":1,"last_clean_begin":0,"last_clean_end":0,"up_from":5,"up_thru":13,"down_at":0,"lost_at":0,"public_addrs":{"addrvec":[{"type":"v2","addr":"127.0.0.1:7100","nonce":18815},{"type":"v1","addr":"127.0.0.1:7101","nonce":18815}]},"cluster_addrs":{"addrvec":[{"type":"v2","addr":"127.0.0.1:7102","nonce":18815},{"type":"v1","addr":"127.0.0.1:7103","nonce":18815}]},"heartbeat_back_addrs":{"addrvec":[{"type":"v2","addr":"127.0.0.1:7106","nonce":18815},{"type":"v1","addr":"127.0.0.1:7107","nonce":18815}]},"heartbeat_front_addrs":{"addrvec":[{"type":"v2","addr":"127.0.0.1:7104","nonce":18815},{"type":"v1","addr":"127.0.0.1:7105","nonce":18815}]},"public_addr":"127.0.0.1:7101/18815","cluster_addr":"127.0.0.1:7103/18815","heartbeat_back_addr":"127.0.0.1:7107/18815","heartbeat_front_addr":"127.0.0.1:7105/18815","state":["exists","up"]}],"osd_xinfo":[{"osd":0,"down_stamp":"0.000000","laggy_probability":0,"laggy_interval":0,"features":4540138314316775423,"old_weight":0,"last_purged_snaps_scrub":"2026-11-22T04:23:38.004763+0000","dead_epoch":0}],"pg_upmap":[],"pg_upmap_items":[],"pg_temp":[],"primary_temp":[],"blocklist":{},"range_blocklist":{},"erasure_code_profiles":{"default":{"k":"2","m":"2","plugin":"jerasure","technique":"reed_sol_van"}},"removed_snaps_queue":[],"new_removed_snaps":[],"new_purged_snaps":[{"pool":3,"snaps":[{"begin":2,"length":1}]}],"crush_node_flags":{},"device_class_flags":{},"stretch_mode":{"stretch_mode_enabled":false,"stretch_bucket_count":0,"degraded_stretch_mode":0,"recovering_stretch_mode":0,"stretch_mode_bucket":0}}
"""#

    /// `ceph osd dump -f json` with the OSD stopped.
    static let osdDumpDown = #"""

{"epoch":19,"fsid":"b10fe3af-2cc1-4cfc-b04e-de3c5c8aaab0","created":"2026-11-22T04:23:35.144556+0000","modified":"2026-11-22T04:24:11.212735+0000","last_up_change":"2026-11-22T04:24:11.212735+0000","last_in_change":"2026-11-22T04:23:36.582818+0000","flags":"noout,sortbitwise,recovery_deletes,purged_snapdirs,pglog_hardlimit","flags_num":5800064,"flags_set":["noout","pglog_hardlimit","purged_snapdirs","recovery_deletes","sortbitwise"],"crush_version":3,"full_ratio":0.94999998807907104,"backfillfull_ratio":0.89999997615814209,"nearfull_ratio":0.85000002384185791,"cluster_snapshot":"","pool_max":3,"max_osd":1,"require_min_compat_client":"luminous","min_compat_client":"jewel","require_osd_release":"pacific","pools":[{"pool":1,"pool_name":"rbd","create_time":"2026-11-22T04:23:37.512335+0000","flags":8193,"flags_names":"hashpspool,selfmanaged_snaps","type":1,"size":1,"min_size":1,"crush_rule":0,"peering_crush_bucket_count":0,"peering_crush_bucket_target":0,"peering_crush_bucket_barrier":0,"peering_crush_bucket_mandatory_member":2147483647,"object_hash":2,"pg_autoscale_mode":"off","pg_num":8,"pg_placement_num":8,"pg_placement_num_target":8,"pg_num_target":8,"pg_num_pending":8,"last_pg_merge_meta":{"source_pgid":"0.0","ready_epoch":0,"last_epoch_started":0,"last_epoch_clean":0,"source_version":"0'0","target_version":"0'0"},"last_change":"8","last_force_op_resend":"0","last_force_op_resend_prenautilus":"0","last_force_op_resend_preluminous":"0","auid":0,"snap_mode":"selfmanaged","snap_seq":3,"snap_epoch":8,"pool_snaps":[],"removed_snaps":"[]","quota_max_bytes":0,"quota_max_objects":0,"tiers":[],"tier_of":-1,"read_tier":-1,"write_tier":-1,"cache_mode":"none","target_max_bytes":0,"target_max_objects":0,"cache_target_dirty_ratio_micro":400000,"cache_target_dirty_high_ratio_micro":600000,"cache_target_full_ratio_micro":800000,"cache_min_flush_age":0,"cache_min_evict_age":0,"erasure_code_profile":"","hit_set_params":{"type":"none"},"hit_set_period":0,"hit_set_count":0,"use_gmt_hitset":true,"min_read_recency_for_promote":0,"min_write_recency_for_promote":0,"hit_set_grade_decay_rate":0,"hit_set_search_last_n":0,"grade_table":[],"stripe_width":0,"expected_num_objects":0,"fast_read":false,"options":{},"application_metadata":{"rbd":{}}},{"pool":2,"pool_name":"device_health_metrics","create_time":"2026-11-22T04:23:38.568204+0000","flags":1,"flags_names":"hashpspool","type":1,"size":1,"min_size":1,"crush_rule":0,"peering_crush_bucket_count":0,"peering_crush_bucket_target":0,"peering_crush_bucket_barrier":0,"peering_crush_bucket_mandatory_member":2147483647,"object_hash":2,"pg_autoscale_mode":"off","pg_num":1,"pg_placement_num":1,"pg_placement_num_target":1,"pg_num_target":1,"pg_num_pending":1,"last_pg_merge_meta":{"source_pgid":"0.0","ready_epoch":0,"last_epoch_started":0,"last_epoch_clean":0,"source_version":"0'0","target_version":"0'0"},"last_change":"11","last_force_op_resend":"0","last_force_op_resend_prenautilus":"0","last_force_op_resend_preluminous":"0","auid":0,"snap_mode":"selfmanaged","snap_seq":0,"snap_epoch":0,"pool_snaps":[],"removed_snaps":"[]","quota_max_bytes":0,"quota_max_objects":0,"tiers":[],"tier_of":-1,"read_tier":-1,"write_tier":-1,"cache_mode":"none","target_max_bytes":0,"target_max_objects":0,"cache_target_dirty_ratio_micro":400000,"cache_target_dirty_high_ratio_micro":600000,"cache_target_full_ratio_micro":800000,"cache_min_flush_age":0,"cache_min_evict_age":0,"erasure_code_profile":"","hit_set_params":{"type":"none"},"hit_set_period":0,"hit_set_count":0,"use_gmt_hitset":true,"min_read_recency_for_promote":0,"min_write_recency_for_promote":0,"hit_set_grade_decay_rate":0,"hit_set_search_last_n":0,"grade_table":[],"stripe_width":0,"expected_num_objects":0,"fast_read":false,"options":{"pg_num_max":32,"pg_num_min":1},"application_metadata":{"mgr_devicehealth":{}}},{"pool":3,"pool_name":"backup","create_time":"2026-11-22T04:23:43.318266+0000","flags":8193,"flags_names":"hashpspool,selfmanaged_snaps","type":1,"size":1,"min_size":1,"crush_rule":0,"peering_crush_bucket_count":0,"peering_crush_bucket_target":0,"peering_crush_bucket_barrier":0,"peering_crush_bucket_mandatory_member":2147483647,"object_hash":2,"pg_autoscale_mode":"off","pg_num":8,"pg_placement_num":8,"pg_placement_num_target":8,"pg_num_target":8,"pg_num_pending":8,"last_pg_merge_meta":{"source_pgid":"0.0","ready_epoch":0,"last_epoch_started":0,"last_epoch_clean":0,"source_version":"0'0","target_version":"0'0"},"last_change":"16","last_force_op_resend":"0","last_force_op_resend_prenautilus":"0","last_force_op_resend_preluminous":"0","auid":0,"snap_mode":"selfmanaged","snap_seq":3,"snap_epoch":16,"pool_snaps":[],"removed_snaps":"[]","quota_max_bytes":0,"quota_max_objects":0,"tiers":[],"tier_of":-1,"read_tier":-1,"write_tier":-1,"cache_mode":"none","target_max_bytes":0,"target_max_objects":0,"cache_target_dirty_ratio_micro":400000,"cache_target_dirty_high_ratio_micro":600000,"cache_target_full_ratio_micro":800000,"cache_min_flush_age":0,"cache_min_evict_age":0,"erasure_code_profile":"","hit_set_params":{"type":"none"},"hit_set_period":0,"hit_set_count":0,"use_gmt_hitset":true,"min_read_recency_for_promote":0,"min_write_recency_for_promote":0,"hit_set_grade_decay_rate":0,"hit_set_search_last_n":0,"grade_table":[],"stripe_width":0,"expected_num_objects":0,"fast_read":false,"options":{},"application_metadata":{"rbd":{}}}],"osds":[{"osd":0,"uuid":"e477517a-642f-4f81-9f64-ed2ec395523e","up":0,"in":1,"weight":1,"primary_affinity":1,"last_clean_begin":0,"last_clean_end":0,"up_from":5,"up_thru":13,"down_at":19,"lost_at":0,"public_addrs":{"addrvec":[{"type":"v2","addr":"127.0.0.1:7100","nonce":18815},{"type":"v1","addr":"127.0.0.1:7101","nonce":18815}]},"cluster_addrs":{"addrvec":[{"type":"v2","addr":"127.0.0.1:7102","nonce":18815},{"type":"v1","addr":"127.0.0.1:7103","nonce":18815}]},"heartbeat_back_addrs":{"addrvec":[{"type":"v2","addr":"127.0.0.1:7106","nonce":18815},{"type":"v1","addr":"127.0.0.1:7107","nonce":18815}]},"heartbeat_front_addrs":{"addrvec":[{"type":"v2","addr":"127.0.0.1:7104","nonce":18815},{"type":"v1","addr":"127.0.0.1:7105","nonce":18815}]},"public_addr":"127.0.0.1:7101/18815","cluster_addr":"127.0.0.1:7103/18815","heartbeat_back_addr":"127.0.0.1:7107/18815","heartbeat_front_addr":"127.0.0.1:7105/18815","state":["exists"]}],"osd_xinfo":[{"osd":0,"down_stamp":"0.000000","laggy_probability":0,"laggy_interval":0,"features":4540138314316775423,"old_weight":0,"last_purged_snaps_scrub":"2026-11-22T04:23:38.004763+0000","dead_epoch":18}],"pg_upmap":[],"pg_upmap_items":[],"pg_temp":[],"primary_temp":[],"blocklist":{},"range_blocklist":{},"erasure_code_profiles":{"default":{"k":"2","m":"2","plugin":"jerasure","technique":"reed_sol_van"}},"removed_snaps_queue":[],"new_removed_snaps":[],"new_purged_snaps":[],"crush_node_flags":{},"device_class_flags":{},"stretch_mode":{"stretch_mode_enabled":false,"stretch_bucket_count":0,"degraded_stretch_mode":0,"recovering_stretch_mode":0,"stretch_mode_bucket":0}}
"""#

    /// `ceph osd df -f json`.
    static let osdDF = #"""

{"nodes":[{"id":0,"device_class":"hdd","name":"osd.0","type":"osd","type_id":0,"crush_weight":0.0009918212890625,"depth":2,"pool_weights":{},"reweight":1,"kb":1048576,"kb_used":34855,"kb_used_data":0,"kb_used_omap":0,"kb_used_meta":0,"kb_avail":1013720,"utilization":3.3240318298339844,"var":1,"pgs":17,"status":"up"}],"stray":[],"summary":{"total_kb":1048576,"total_kb_used":34855,"total_kb_used_data":0,"total_kb_used_omap":0,"total_kb_used_meta":0,"total_kb_avail":1013720,"average_utilization":3.3240318298339844,"min_var":1,"max_var":1,"dev":0}}
"""#

    /// `ceph osd df -f json` with the OSD stopped.
    static let osdDFDown = #"""

{"nodes":[{"id":0,"device_class":"hdd","name":"osd.0","type":"osd","type_id":0,"crush_weight":0.0009918212890625,"depth":2,"pool_weights":{},"reweight":1,"kb":1048576,"kb_used":34858,"kb_used_data":0,"kb_used_omap":0,"kb_used_meta":0,"kb_avail":1013717,"utilization":3.3243179321289062,"var":1,"pgs":17,"status":"down"}],"stray":[],"summary":{"total_kb":1048576,"total_kb_used":34858,"total_kb_used_data":0,"total_kb_used_omap":0,"total_kb_used_meta":0,"total_kb_avail":1013717,"average_utilization":3.3243179321289062,"min_var":1,"max_var":1,"dev":0}}
"""#

    /// `ceph osd status -f json`: Pacific ignores the format and prints the table.
    static let osdStatusWithJSONFormat = #"""

ID  HOST   USED  AVAIL  WR OPS  WR DATA  RD OPS  RD DATA  STATE      
 0  vm    34.0M   989M      0        0       0        0   exists,up  
"""#

    /// `ceph osd status` (plain text, Pacific layout).
    static let osdStatus = #"""
ID  HOST   USED  AVAIL  WR OPS  WR DATA  RD OPS  RD DATA  STATE      
 0  vm    34.0M   989M      0        0       0        0   exists,up  
"""#

    /// `ceph osd status` with the OSD stopped.
    static let osdStatusDown = #"""
ID  HOST   USED  AVAIL  WR OPS  WR DATA  RD OPS  RD DATA  STATE   
 0  vm    34.0M   989M      0        0       0        0   exists  
"""#
}
