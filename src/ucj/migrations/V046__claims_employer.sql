-- A claims export names the claimant's employer account (NPP) and employer name, as the
-- participation export does: the OPD registry learns from them and attributes claims to OPDs.
alter table raw.claims add column npp text;
alter table raw.claims add column nama_pemberi_kerja text;
