"""decay_groups / select_parameters against the timm, Hugging Face and nanoGPT rules.

Each rule is re-implemented here as a tiny reference function, from its documented
behaviour:

* timm ``param_groups_weight_decay``: skip frozen; no decay if ``ndim <= 1`` or the
  name ends with ``.bias``.
* nanoGPT ``configure_optimizers``: skip frozen; decay iff ``dim() >= 2``.
* Hugging Face ``Trainer.get_decay_parameter_names``: no decay for parameters inside
  ``nn.LayerNorm`` modules or whose lower-cased name contains ``bias``, ``layernorm``
  or ``rmsnorm``.
"""

from __future__ import annotations

import re

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from ridgekit.nn import (  # noqa: E402
    SGDW,
    check_param_groups,
    decay_groups,
    l2_penalty,
    select_parameters,
)


# ----------------------------------------------------------------- reference rules
def timm_decay_names(model):
    return {
        n
        for n, p in model.named_parameters()
        if p.requires_grad and not (p.ndim <= 1 or n.endswith(".bias"))
    }


def nanogpt_decay_names(model):
    return {n for n, p in model.named_parameters() if p.requires_grad and p.dim() >= 2}


def hf_decay_names(model):
    def walk(mod):
        out = []
        for name, child in mod.named_children():
            out += [
                f"{name}.{n}"
                for n in walk(child)
                if not isinstance(child, nn.LayerNorm)
                and not any(w in f"{name}.{n}".lower() for w in ("bias", "layernorm", "rmsnorm"))
            ]
        out += [
            k
            for k in mod._parameters
            if not any(w in k.lower() for w in ("bias", "layernorm", "rmsnorm"))
        ]
        return out

    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    return set(walk(model)) & trainable


def ours(model, **kw):
    return set(select_parameters(model, **kw).decayed_names)


# ----------------------------------------------------------------- models
class Block(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d)
        self.attn = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln_2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))


class TinyGPT(nn.Module):
    """GPT-like: embeddings, LayerNorm blocks, tied head. All three rules coincide."""

    def __init__(self, vocab=50, d=16, n_layer=2, block=8):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(block, d)
        self.h = nn.ModuleList([Block(d) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(d)
        self.lm_head = nn.Linear(d, vocab, bias=False)
        self.lm_head.weight = self.wte.weight  # weight tying


class ChannelScale(nn.Module):
    """A custom normalization-like layer whose class and attribute lack the word 'norm'."""

    def __init__(self, c):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(c))
        self.beta = nn.Parameter(torch.zeros(c))


class MyRMS(nn.RMSNorm):
    """Subclass of a torch norm, stored under an attribute without 'norm' in the name."""


class RelBias(nn.Module):
    """An attention-style module with a 2-d parameter called ``bias``."""

    def __init__(self):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(4, 4))


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = RelBias()
        self.conv = nn.Conv2d(3, 8, 3)
        self.bn1 = nn.BatchNorm2d(8)
        self.gn = nn.GroupNorm(2, 8)
        self.scale = ChannelScale(8)
        self.post = MyRMS(8)
        self.fc = nn.Linear(8, 4)
        self.pos_bias = nn.Parameter(torch.zeros(4, 4))  # 2-d, "bias" inside the name
        self.layer_scale = nn.Parameter(torch.ones(8))  # LayerScale-style 1-d gain


# ----------------------------------------------------------------- agreement
def test_all_rules_coincide_on_gpt_like_model():
    model = TinyGPT()
    expected = {
        "wte.weight",
        "wpe.weight",
        *(f"h.{i}.{n}.weight" for i in range(2) for n in ("attn", "proj", "mlp.0", "mlp.2")),
    }
    assert ours(model) == expected
    assert timm_decay_names(model) == expected
    assert nanogpt_decay_names(model) == expected
    assert hf_decay_names(model) == expected


def test_tied_weight_appears_once_and_embedding_option():
    model = TinyGPT()
    sel = select_parameters(model)
    names = sel.decayed_names + sel.exempt_names
    assert len(names) == len(set(names)) == len(list(model.parameters()))
    assert "lm_head.weight" not in names  # tied to wte.weight, listed once
    sel_e = select_parameters(model, exempt_embeddings=True)
    assert {"wte.weight", "wpe.weight"} <= set(sel_e.exempt_names)
    reasons = {i.name: i.reason for i in sel_e.exempt}
    assert reasons["wte.weight"] == "embedding"


def test_where_the_rules_differ_on_a_convnet():
    model = ConvNet()
    o = ours(model)
    t, g, h = timm_decay_names(model), nanogpt_decay_names(model), hf_decay_names(model)
    assert o == {"conv.weight", "fc.weight", "pos_bias"}
    # timm agrees: norms are 1-d, 'attn.bias' ends with '.bias'
    assert t == o
    # nanoGPT: dim >= 2 only, so it also decays the 2-d 'attn.bias'
    assert g == o | {"attn.bias"}
    # Hugging Face: only nn.LayerNorm by type, 'bias' as a substring. It decays the
    # BatchNorm/GroupNorm/RMSNorm-subclass weights, the custom ChannelScale and the 1-d
    # layer_scale, and exempts 'pos_bias'
    assert h == {"conv.weight", "fc.weight"} | {
        "bn1.weight",
        "gn.weight",
        "scale.gamma",
        "scale.beta",
        "post.weight",
        "layer_scale",
    }
    reasons = {i.name: i.reason for i in select_parameters(model).exempt}
    assert reasons == {
        "attn.bias": "bias",
        "conv.bias": "bias",
        "bn1.weight": "norm",
        "bn1.bias": "norm",
        "gn.weight": "norm",
        "gn.bias": "norm",
        "scale.gamma": "ndim<=1",
        "scale.beta": "ndim<=1",
        "post.weight": "norm",
        "fc.bias": "bias",
        "layer_scale": "ndim<=1",
    }
    # a user pattern reproduces the Hugging Face choice for 'pos_bias'
    assert "pos_bias" not in ours(model, exempt=r"bias")


def test_custom_norm_with_2d_parameter_needs_norm_types():
    class Affine2d(nn.Module):  # a custom norm with a (1, C) parameter: rules disagree
        def __init__(self):
            super().__init__()
            self.g = nn.Parameter(torch.ones(1, 5))

    model = nn.Sequential(nn.Linear(5, 5), Affine2d())
    assert "1.g" in ours(model)  # like timm and nanoGPT, not recognized by default
    assert "1.g" in timm_decay_names(model) and "1.g" in nanogpt_decay_names(model)
    assert "1.g" not in ours(model, norm_types=[Affine2d])


def test_all_norm_types_are_exempt_including_subclasses():
    class MyBN(nn.BatchNorm1d):
        pass

    norms = [
        nn.BatchNorm1d(4),
        nn.BatchNorm2d(4),
        nn.BatchNorm3d(4),
        nn.SyncBatchNorm(4),
        nn.InstanceNorm1d(4, affine=True),
        nn.InstanceNorm2d(4, affine=True),
        nn.LayerNorm(4),
        nn.LayerNorm([4, 4]),  # a 2-d normalized shape: 2-d weight, exempt by type
        nn.GroupNorm(2, 4),
        nn.RMSNorm(4),
        MyBN(4),
    ]
    model = nn.Sequential(*norms)
    sel = select_parameters(model)
    assert sel.decayed == ()
    assert {i.reason for i in sel.exempt} == {"norm"}
    assert len(sel.exempt) == sum(1 for _ in model.parameters())
    # with the norm rule off, only the 2-d LayerNorm weight would be decayed
    assert ours(model, exempt_norm=False, exempt_bias=False) == {"7.weight", "7.bias"}


# ----------------------------------------------------------------- groups
def test_decay_groups_structure_frozen_and_describe():
    model = TinyGPT()
    model.wpe.weight.requires_grad_(False)
    groups = decay_groups(model, 0.1, group_options={"lr": 1e-3})
    assert [g["weight_decay"] for g in groups] == [0.1, 0.0]
    assert all(g["lr"] == 1e-3 for g in groups)
    all_params = [p for g in groups for p in g["params"]]
    assert len(all_params) == len({id(p) for p in all_params})
    assert not any(p is model.wpe.weight for p in all_params)
    text = groups.describe()
    assert "wpe.weight" in text and "frozen" in text
    counts = groups.selection.counts()
    assert counts["decayed"]["tensors"] == len(groups[0]["params"])
    assert counts["decayed"]["elements"] == sum(p.numel() for p in groups[0]["params"])
    assert counts["exempt"]["tensors"] == len(groups[1]["params"])
    assert counts["norm"]["tensors"] == 2 * 2 * 2 + 2  # ln_1, ln_2 per block + ln_f
    # any optimizer accepts the groups
    opt = torch.optim.AdamW(groups)
    assert len(opt.param_groups) == 2


def test_penalty_and_groups_share_the_selection():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    kw = {"exempt": [r"^2\."], "exempt_bias": False, "exempt_1d": False}
    groups = decay_groups(model, 1.0, **kw)
    by_hand = 0.5 * sum(float(p.detach().square().sum()) for p in groups[0]["params"])
    assert l2_penalty(model, 1.0, **kw).item() == pytest.approx(by_hand)
    assert {n for n in groups.selection.decayed_names} == {"0.weight", "0.bias"}


def test_patterns_force_and_conflict():
    model = TinyGPT()
    sel = select_parameters(model, exempt=r"wpe", decay=[r"ln_f\.weight"])
    assert "wpe.weight" in sel.exempt_names and "ln_f.weight" in sel.decayed_names
    assert {i.reason for i in sel.exempt if i.name == "wpe.weight"} == {"pattern"}
    with pytest.raises(ValueError, match="'ln_f.weight'.*both"):
        select_parameters(model, exempt="ln_f", decay=re.compile(r"ln_f\.weight"))
    with pytest.raises(ValueError, match="regular expression"):
        select_parameters(model, exempt="(")


def test_bad_input():
    model = TinyGPT()
    with pytest.raises(ValueError, match="weight_decay must be >= 0"):
        decay_groups(model, -0.1)
    with pytest.raises(ValueError, match="finite"):
        decay_groups(model, float("inf"))
    with pytest.raises(TypeError, match="nn.Module"):
        decay_groups(list(model.parameters()), 0.1)
    frozen = nn.Linear(2, 2).requires_grad_(False)
    with pytest.raises(ValueError, match="no trainable parameters"):
        decay_groups(frozen, 0.1)
    with pytest.raises(ValueError, match="group_options"):
        decay_groups(model, 0.1, group_options={"weight_decay": 1})


def test_parameter_in_two_groups_is_named():
    lin = nn.Linear(3, 3)
    groups = [{"params": [lin.weight, lin.bias]}, {"params": [lin.weight]}]
    with pytest.raises(ValueError, match="two groups: group 0 entry 0 and group 1 entry 0"):
        check_param_groups(groups)
    with pytest.raises(ValueError, match="two groups"):
        SGDW(groups, lr=0.1)
